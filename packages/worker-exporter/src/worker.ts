// The worker side of WorkerThreadLogRecordExporter: builds the downstream exporter from
// `workerData`, then answers each request in arrival order.
//
//   parentPort ─ export {bytes, lengths} ─ takeOver ─ exporter.export ─ reply {code}
//              ─ flush / shutdown ─ exporter.forceFlush / shutdown ─ reply
import { parentPort, workerData } from 'node:worker_threads';
import { ExportResultCode } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { takeOver } from './internal/hand-over';
import { type Reply, type Request, serialiseError, type WorkerSetup } from './internal/messages';
import { lowerThreadPriority } from './internal/thread-priority';

type Factory = (options: unknown) => LogRecordExporter | Promise<LogRecordExporter>;

const port = parentPort!;
const setup = workerData as WorkerSetup;

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
    (e) => reply(msg.id, ExportResultCode.FAILED, e),
  );
});

function handle(exporter: LogRecordExporter, msg: Request): void {
  if (msg.type === 'export') {
    let records: ReadableLogRecord[];
    try {
      records = takeOver(msg);
    } catch (e) {
      reply(msg.id, ExportResultCode.FAILED, e);
      return;
    }
    try {
      exporter.export(records, (r) => reply(msg.id, r.code, r.error));
    } catch (e) {
      reply(msg.id, ExportResultCode.FAILED, e);
    }
    return;
  }
  const done = msg.type === 'flush' ? exporter.forceFlush() : exporter.shutdown();
  done.then(
    () => reply(msg.id, ExportResultCode.SUCCESS),
    (e) => reply(msg.id, ExportResultCode.FAILED, e),
  );
}

function reply(id: number, code: number, error?: unknown): void {
  const m: Reply = { type: 'reply', id, code };
  // A failed ExportResult without an error still has to read as a failure on the main thread.
  if (error !== undefined || code !== ExportResultCode.SUCCESS) {
    m.error = serialiseError(error ?? new Error('the downstream exporter failed the export'));
  }
  port.postMessage(m);
}
