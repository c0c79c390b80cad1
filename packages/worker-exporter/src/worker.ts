// The worker side of WorkerThreadLogRecordExporter: builds the downstream exporter from
// `workerData`, then answers each request in arrival order.
//
//   parentPort ─ export {slot or bytes, lengths} ─ transcodeOver ─ exporter.exportEncoded ─ reply
//                                               └ (no exportEncoded, or declined) takeOver ─ export
//   The slot is freed as soon as it is read: the request and the records are copies.
//              ─ flush / shutdown ─ exporter.forceFlush / shutdown ─ reply
import { parentPort, workerData } from 'node:worker_threads';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { OtlpTranscodedRequest } from '@spillway/disk-buffer';
import { type ReceivedBatch, takeOver, transcodeOver } from './internal/hand-over';
import {
  type ExportPath,
  type Reply,
  type Request,
  serialiseError,
  type WorkerSetup,
} from './internal/messages';
import { SharedSlots } from './internal/shared-slots';
import { lowerThreadPriority } from './internal/thread-priority';

type Factory = (options: unknown) => LogRecordExporter | Promise<LogRecordExporter>;
/** A downstream that also takes OTLP request bytes (@spillway/node's OTLP gRPC exporter does). */
type Downstream = LogRecordExporter & {
  exportEncoded?(request: Uint8Array, recordCount: number, cb: (r: ExportResult) => void): void;
};

const port = parentPort!;
const setup = workerData as WorkerSetup;
const slots = new SharedSlots(setup.slots);

async function build(): Promise<LogRecordExporter> {
  // Before the exporter is built: its import and start-up are the worker's first CPU burst.
  lowerThreadPriority(setup.priorityIncrement);
  const mod = (await import(setup.module)) as Record<string, unknown>;
  // A CommonJS module imported from ESM exposes its exports on `default` too.
  const factory = (mod[setup.exportName] ??
    (mod.default as Record<string, unknown> | undefined)?.[setup.exportName]) as
    | Factory
    | undefined;
  if (typeof factory !== 'function') {
    throw new TypeError(`${setup.module} has no function export named ${setup.exportName}`);
  }
  return await factory(setup.options);
}

const ready = build();
ready.then(
  () => port.postMessage({ type: 'started' }),
  (e) => port.postMessage({ type: 'started', error: serialiseError(e) }),
);

port.on('message', (msg: Request) => {
  ready.then(
    (exporter) => handle(exporter, msg),
    (e) => {
      if (msg.type === 'export' && msg.slot >= 0) slots.release(msg.slot);
      reply(msg.id, ExportResultCode.FAILED, e);
    },
  );
});

function handle(exporter: Downstream, msg: Request): void {
  if (msg.type === 'export') {
    const got = read(exporter, msg);
    if ('error' in got) {
      reply(msg.id, ExportResultCode.FAILED, got.error);
    } else if ('request' in got) {
      const { request, recordCount, release } = got.request;
      try {
        // The request's buffer is lent: given back once the downstream is done with the bytes.
        exporter.exportEncoded!(request, recordCount, (r) => {
          release?.();
          reply(msg.id, r.code, r.error, 'transcoded');
        });
      } catch (e) {
        reply(msg.id, ExportResultCode.FAILED, e, 'transcoded');
      }
    } else {
      try {
        exporter.export(got.records, (r) => reply(msg.id, r.code, r.error, got.path));
      } catch (e) {
        reply(msg.id, ExportResultCode.FAILED, e, got.path);
      }
    }
    return;
  }
  const done = msg.type === 'flush' ? exporter.forceFlush() : exporter.shutdown();
  done.then(
    () => reply(msg.id, ExportResultCode.SUCCESS),
    (e) => reply(msg.id, ExportResultCode.FAILED, e),
  );
}

type Read =
  | { request: OtlpTranscodedRequest }
  | { records: ReadableLogRecord[]; path: ExportPath }
  | { error: unknown };

/**
 * The batch as one OTLP request transcoded from its payloads (a downstream that takes request
 * bytes), else its records: decoded where the transcoder declines or the payloads do not read
 * (decoding then says what they hold, or fails the export with the decoder's error). The slot is
 * freed before this returns, so before any reply: the main thread may post into it at once.
 */
function read(exporter: Downstream, msg: Request & { type: 'export' }): Read {
  try {
    const batch: ReceivedBatch = {
      bytes: msg.slot >= 0 ? slots.view(msg.slot, msg.size) : msg.bytes!,
      lengths: msg.lengths,
      count: msg.count,
    };
    if (typeof exporter.exportEncoded !== 'function') {
      return { records: takeOver(batch), path: 'decoded' };
    }
    let t: OtlpTranscodedRequest | undefined;
    try {
      t = transcodeOver(batch);
    } catch {
      t = undefined;
    }
    return t !== undefined ? { request: t } : { records: takeOver(batch), path: 'fallback' };
  } catch (e) {
    return { error: e };
  } finally {
    if (msg.slot >= 0) slots.release(msg.slot);
  }
}

function reply(id: number, code: number, error?: unknown, path?: ExportPath): void {
  const m: Reply = { type: 'reply', id, code };
  if (path !== undefined) m.path = path;
  // A failed ExportResult without an error still has to read as a failure on the main thread.
  if (error !== undefined || code !== ExportResultCode.SUCCESS) {
    m.error = serialiseError(error ?? new Error('the downstream exporter failed the export'));
  }
  port.postMessage(m);
}
