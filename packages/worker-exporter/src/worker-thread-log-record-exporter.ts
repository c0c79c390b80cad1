import { createRequire } from 'node:module';
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type ExportResult, ExportResultCode, globalErrorHandler } from '@opentelemetry/core';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { StoredBatchLogRecordExporter, StoredLogRecordBatch } from '@spillway/disk-buffer';
import { type HandedOverBatch, handOver, handOverRecords } from './internal/hand-over';
import type { Reply, Request, Started, WorkerSetup } from './internal/messages';
import { SharedSlots } from './internal/shared-slots';
import { checkPriorityIncrement } from './internal/thread-priority';
import type { WorkerExporterStats, WorkerThreadLogRecordExporterOptions } from './types';

// The CommonJS build has an empty import.meta (esbuild), and `__filename` is this file there; in
// ESM a global `__filename` may still exist (`node -e` sets one), so it cannot decide the format.
const metaUrl = (import.meta as { url?: string }).url;
const here = metaUrl ?? __filename;

interface Pending {
  resolve(reply: Reply): void;
}

/**
 * Runs a downstream `LogRecordExporter` (OTLP gRPC in practice) in a `worker_threads` Worker, so
 * protobuf serialisation, gRPC framing and the network leave the event loop:
 *
 * ```
 * main thread: export(records) ─ payloads ─ a shared slot (or a transferred buffer) ─ postMessage ─┐
 * worker:      transcodeToOtlpRequest ─ downstream.exportEncoded ─┬ ExportResult ─ postMessage ─┘→ callback
 *              (or) decodeLogRecordBatches ─ downstream.export ───┘
 * ```
 *
 * The payloads are the disk buffer's record codec: behind a `DiskBufferedLogRecordExporter` the
 * bytes its WAL writer already encoded (`encodedPayloadsOf`), so a batch is encoded once on the
 * main thread; any other records array is encoded here (`encodeLogRecordBatch`). A downstream
 * that takes OTLP request bytes (`exportEncoded(request, recordCount, callback)`, as
 * `@spillway/node`'s OTLP gRPC exporter does) gets the request written straight from the payloads
 * (`transcodeToOtlpRequest`: the bytes decoding and encoding would give, no records built);
 * where the transcoder declines, and for any other downstream, the worker decodes the records.
 *
 * Use it in front of an exporter whose cost is on the CPU of the caller: the OTLP exporters
 * serialise every batch on the thread that calls `export`. The downstream exporter is built inside
 * the worker from `module` + `options` (so give it settings, not an instance).
 *
 * Guarantees: every `export` is answered exactly once — with the worker's `ExportResult`, or with
 * a failure when the worker could not start, died, or this exporter is shut down (the caller — the
 * disk buffer in spillway's pipeline — keeps those records and retries or fails over). Such a
 * failure is reported once through the global error handler. Records cross the thread losslessly
 * (the disk buffer's record codec: every field, resource and scope). The worker starts on the first
 * export or flush and is `unref`'d while nothing is in flight, so it never holds the process open;
 * while an export, flush or shutdown waits on it, it does. `forceFlush()` and `shutdown()` are forwarded and bounded.
 * On Linux the worker thread runs `priorityIncrement` nice steps (default 10) below the process,
 * so that the event loop gets a contended core first (thread-priority.ts).
 */
export class WorkerThreadLogRecordExporter implements StoredBatchLogRecordExporter {
  private worker: Worker | undefined;
  private readonly setup: Omit<WorkerSetup, 'slots'>;
  /** Made with the worker: a process that never exports allocates none. */
  private slots: SharedSlots | undefined;
  private readonly pending = new Map<number, Pending>();
  private readonly flushTimeoutMillis: number;
  private readonly shutdownTimeoutMillis: number;
  private nextId = 1;
  /** Set once the worker failed to start or exited: every later request fails with it. */
  private failure: Error | undefined;
  private shutdownOnce: Promise<void> | undefined;
  private readonly stats: WorkerExporterStats = {
    batchesFromStoredPayloads: 0,
    batchesEncoded: 0,
    batchesInSharedSlots: 0,
    batchesTranscoded: 0,
    batchesDecoded: 0,
    transcodeFallbacks: 0,
  };

  constructor(options: WorkerThreadLogRecordExporterOptions) {
    this.flushTimeoutMillis = options.flushTimeoutMillis ?? 30_000;
    this.shutdownTimeoutMillis = options.shutdownTimeoutMillis ?? 10_000;
    this.setup = {
      module: moduleUrl(options.module),
      exportName: options.exportName ?? 'createExporter',
      options: options.options,
      priorityIncrement: checkPriorityIncrement(options.priorityIncrement ?? 10),
    };
  }

  export(records: ReadableLogRecord[], resultCallback: (result: ExportResult) => void): void {
    this.post(() => handOverRecords(records, this.slotsToFill()), resultCallback);
  }

  /**
   * As `export(batch.records(), resultCallback)`, with the same answer and guarantees, but the
   * stored payloads cross as they are (counted in `batchesFromStoredPayloads`): the records are
   * never decoded on this thread. The disk buffer's sender calls it for batches read back from
   * its WAL.
   */
  exportStored(batch: StoredLogRecordBatch, resultCallback: (result: ExportResult) => void): void {
    this.post(
      () => handOver(batch.payloads, batch.recordCount, true, this.slotsToFill()),
      resultCallback,
    );
  }

  private post(build: () => HandedOverBatch, resultCallback: (result: ExportResult) => void): void {
    let batch: HandedOverBatch;
    try {
      batch = build();
    } catch (e) {
      resultCallback({ code: ExportResultCode.FAILED, error: e as Error });
      return;
    }
    if (batch.stored) this.stats.batchesFromStoredPayloads++;
    else this.stats.batchesEncoded++;
    const { bytes, slot, lengths, count } = batch;
    const inSlot = slot >= 0;
    if (inSlot) this.stats.batchesInSharedSlots++;
    const msg: Request = {
      type: 'export',
      id: 0,
      bytes: inSlot ? undefined : bytes,
      slot,
      size: bytes.length,
      lengths,
      count,
    };
    // A slot the worker never got is freed here; one it got, the worker frees once it read it.
    const unsent = inSlot ? () => this.slots!.release(slot) : undefined;
    const transfer = inSlot ? [] : [bytes.buffer as ArrayBuffer];
    void this.request(msg, transfer, undefined, unsent).then((reply) => {
      if (reply.path === 'transcoded') this.stats.batchesTranscoded++;
      else if (reply.path !== undefined) this.stats.batchesDecoded++;
      if (reply.path === 'fallback') this.stats.transcodeFallbacks++;
      resultCallback(
        reply.error
          ? { code: ExportResultCode.FAILED, error: toError(reply.error) }
          : { code: reply.code },
      );
    });
  }

  /**
   * How the batches handed to the worker so far were encoded here, and how the worker handed
   * them downstream (transcoded or decoded, counted as it answers); cheap (counters only).
   */
  getStats(): WorkerExporterStats {
    return { ...this.stats };
  }

  /** Forwarded to the downstream exporter; resolves when it did, or after `flushTimeoutMillis`. */
  async forceFlush(): Promise<void> {
    const reply = await this.request({ type: 'flush', id: 0 }, [], this.flushTimeoutMillis);
    if (reply.error) throw toError(reply.error);
  }

  /**
   * Idempotent: shuts the downstream exporter down in the worker (bounded by
   * `shutdownTimeoutMillis`), then terminates the worker. Exports after it fail.
   */
  shutdown(): Promise<void> {
    this.shutdownOnce ??= (async () => {
      // Never started (nothing was exported or flushed): there is no downstream to shut down.
      if (this.worker) {
        await this.request({ type: 'shutdown', id: 0 }, [], this.shutdownTimeoutMillis);
      }
      this.failure ??= new Error('the exporter is shut down');
      await this.worker?.terminate();
    })();
    return this.shutdownOnce;
  }

  /** The slots to hand a batch over in, once the worker that reads them runs. */
  private slotsToFill(): SharedSlots | undefined {
    if (this.failure === undefined) this.start();
    return this.failure === undefined ? this.slots : undefined;
  }

  private request(
    msg: Request,
    transfer: ArrayBuffer[],
    timeoutMillis?: number,
    unsent?: () => void,
  ): Promise<Reply> {
    const worker = this.failure ? undefined : this.start();
    if (this.failure || !worker) {
      unsent?.();
      return Promise.resolve(failed(msg.id, this.failure ?? new Error('no worker')));
    }
    const id = this.nextId++;
    msg.id = id;
    return new Promise<Reply>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      if (timeoutMillis !== undefined) {
        timer = setTimeout(() => {
          this.settle(
            id,
            failed(id, new Error(`the worker did not answer within ${timeoutMillis} ms`)),
          );
        }, timeoutMillis);
      }
      this.pending.set(id, {
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
      });
      // Held open only while the main thread waits on the worker (a shutdown that must finish).
      if (this.pending.size === 1) worker.ref();
      worker.postMessage(msg, transfer);
    });
  }

  /**
   * The worker, started on the first request: a process that never exports (a cluster primary
   * that never logs) pays for no thread, and the WAL holds records while it boots.
   */
  private start(): Worker | undefined {
    if (this.worker || this.shutdownOnce) return this.worker;
    let worker: Worker;
    try {
      this.slots ??= new SharedSlots();
      worker = this.spawn(workerExecArgv(process.execArgv), {
        ...this.setup,
        slots: this.slots.setup,
      });
    } catch (e) {
      this.fail(new Error(`the worker could not start: ${(e as Error).message}`));
      return undefined;
    }
    this.worker = worker;
    worker.unref();
    worker.on('message', (m: Reply | Started) => this.onMessage(m));
    worker.on('error', (e) => this.fail(new Error(`the worker failed: ${e.message}`)));
    worker.on('exit', (code) => this.fail(new Error(`the worker exited with code ${code}`)));
    return worker;
  }

  // A flag this Node refuses in a worker that workerExecArgv let through: started with none then.
  private spawn(execArgv: string[], workerData: WorkerSetup): Worker {
    try {
      return new Worker(workerScript(), { workerData, execArgv });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw e;
      return new Worker(workerScript(), { workerData, execArgv: [] });
    }
  }

  private onMessage(m: Reply | Started): void {
    if (m.type === 'started') {
      if (m.error)
        this.fail(new Error(`the downstream exporter could not be built: ${m.error.message}`));
      return;
    }
    this.settle(m.id, m);
  }

  private settle(id: number, reply: Reply): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker?.unref();
    p.resolve(reply);
  }

  /** The first failure is kept and said once; everything waiting fails with it. */
  private fail(cause: Error): void {
    if (this.failure === undefined) {
      this.failure = new Error(
        `WorkerThreadLogRecordExporter: ${cause.message}; exports fail from now on`,
      );
      if (this.shutdownOnce === undefined) globalErrorHandler(this.failure);
    }
    for (const id of [...this.pending.keys()]) this.settle(id, failed(id, this.failure));
  }
}

function failed(id: number, e: Error): Reply {
  return {
    type: 'reply',
    id,
    code: ExportResultCode.FAILED,
    error: { name: e.name, message: e.message },
  };
}

function toError(e: { name: string; message: string }): Error {
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}

/**
 * The flags the worker gets: of the parent's, only those that change how modules load
 * (`--conditions`, `--enable-source-maps`, `--experimental-*`, warnings). Not its preloads
 * (`--import`, `--require`): a preload sets up the app's thread — `--import
 * @spillway/node/register` would start a second pipeline, and a second export worker, inside this
 * one. Not per-process flags either: a Worker refuses to start when given one (`node --test`
 * children carry `--stack-trace-limit`, `--secure-heap`, `--tls-cipher-list`… in `execArgv`).
 */
export function workerExecArgv(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const a = execArgv[i]!;
    if (a === '--conditions' || a === '-C') {
      const value = execArgv[i + 1];
      if (value !== undefined) out.push(a, value);
      i++;
    } else if (
      a.startsWith('--conditions=') ||
      a.startsWith('-C=') ||
      a === '--enable-source-maps' ||
      a === '--no-warnings' ||
      a === '--no-deprecation' ||
      a.startsWith('--experimental-') ||
      a.startsWith('--no-experimental-')
    ) {
      out.push(a);
    }
  }
  return out;
}

function moduleUrl(module: string | URL): string {
  if (module instanceof URL) return module.href;
  return isAbsolute(module) ? pathToFileURL(module).href : module;
}

/**
 * The built worker script, found through this package's own `exports` (a self-reference, so it
 * is the same from `dist/` and from the sources tests run): the CommonJS build for CommonJS
 * consumers, the ESM build otherwise.
 */
function workerScript(): string {
  const cjs = createRequire(here).resolve('@spillway/worker-exporter/worker');
  return metaUrl === undefined ? cjs : cjs.replace(/\.cjs$/, '.mjs');
}
