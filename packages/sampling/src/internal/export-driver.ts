import { context } from '@opentelemetry/api';
import { globalErrorHandler, suppressTracing } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import {
  markNormalizedBatch,
  SEVERITY_CLASS_COUNT,
  severityClassOf,
} from '@spillway/record-format';
import { exportWithTimeout } from '../export-with-timeout';
import type { SyncLogRecordExporter } from '../types';
import type { ProcessorStats } from './processor-stats';
import { Reason } from './processor-stats';
import type { SeverityQueue } from './severity-queue';

/** Records handed to `exportSync` per overflow write, at least (see {@link ExportDriver.spill}). */
const SPILL_RECORDS = 2048;

/** Timing and size settings of the {@link ExportDriver}. */
export interface ExportDriverSettings {
  maxExportBatchSize: number;
  scheduledDelayMillis: number;
  exportTimeoutMillis: number;
}

/**
 * Moves batches from the queue to the exporter, one export at a time as the SDK's batch processor
 * does: at once when a full batch is queued, else when the scheduled delay fires. The same timer
 * runs the processor's housekeeping (silencing TTL, rate-limit recovery) while there is any.
 * Accounts every record handed to the exporter as exported or `export_failed`, by class. Every
 * record in the queue was normalised before it was queued: each batch handed on is marked so
 * (`markNormalizedBatch`), and a spillway exporter behind does not walk its records again.
 */
export class ExportDriver {
  /** Records handed to the exporter and not yet called back. */
  inFlightRecords = 0;
  private inFlight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private flushing: Promise<void> | undefined;
  private flushTarget = -1;
  // Batches handed to the exporter (export or exportSync) so far, and that count when the exporter's
  // forceFlush was last called: equal when nothing was handed over after the last flush began.
  private handedOver = 0;
  private flushedAt = -1;

  constructor(
    private readonly exporter: LogRecordExporter & Partial<SyncLogRecordExporter>,
    private readonly queue: SeverityQueue,
    private readonly stats: ProcessorStats,
    private readonly settings: ExportDriverSettings,
    private readonly housekeeping: () => boolean,
  ) {}

  /** Called after each push: exports at once when a full batch is waiting, else arms the timer. */
  afterPush(): void {
    if (this.queue.size >= this.settings.maxExportBatchSize && this.inFlight === undefined) {
      this.startExport();
    } else if (this.timer === undefined) {
      this.arm();
    }
  }

  /** Arms the scheduled-delay timer if it is not armed and there is anything to do. */
  arm(): void {
    if (this.timer !== undefined || this.stopped) return;
    this.timer = setTimeout(() => this.onTimer(), this.settings.scheduledDelayMillis);
    this.timer.unref();
  }

  /**
   * Exports everything queued now, batch by batch; resolves when the last of those batches is
   * called back. As the SDK's batch processor does (since opentelemetry-js #6356), an export in
   * flight and each batch of the flush are sped up with the exporter's `forceFlush` right after
   * `export` is called, never awaited first: an exporter that answers only when flushed costs no
   * timeout. Calls while a flush runs extend it to what is queued at their time and share its
   * promise, so a stream of FATAL records runs one flush loop, not one each. Never rejects.
   */
  flushAll(): Promise<void> {
    this.flushTarget = Math.max(this.flushTarget, this.queue.lastSeq);
    this.flushing ??= this.runFlush();
    return this.flushing;
  }

  private async runFlush(): Promise<void> {
    // Yield first, so that `flushing` is set before the loop can end and clear it.
    await undefined;
    try {
      for (;;) {
        const inFlight = this.inFlight;
        if (inFlight !== undefined) {
          // An exporter that settles exports by itself is flushed once, after the last batch
          // (flushExporter); any other is sped up at once, never waited out first.
          await (this.exporter.exportsSettleWithoutFlush === true
            ? inFlight
            : Promise.all([this.speedUp(), inFlight]));
          continue;
        }
        if (this.queue.size === 0 || this.queue.oldestSeq() > this.flushTarget) return;
        this.startExport();
      }
    } finally {
      this.flushing = undefined;
    }
  }

  /**
   * Flushes the exporter unless its forceFlush was already called after the last batch was handed
   * to it (the flush loop calls it for each batch): one exporter flush per batch, as the SDK's
   * processor makes, not one more at the end. Never rejects.
   */
  flushExporter(): Promise<void> {
    return this.flushedAt === this.handedOver ? Promise.resolve() : this.speedUp();
  }

  // The exporter's forceFlush, its failure reported, never thrown.
  private async speedUp(): Promise<void> {
    this.flushedAt = this.handedOver;
    try {
      await this.exporter.forceFlush?.();
    } catch (e) {
      globalErrorHandler(e as Error);
    }
  }

  /**
   * Makes room for a record of `bytes` by handing the oldest queued records, a batch at a time,
   * to `exporter.exportSync` (the overflow goes to the exporter's durable store, in order, before
   * anything newer). Returns false when the record still does not fit (the queue is empty and the
   * record alone exceeds a bound): the caller then hands the record itself over.
   */
  spill(bytes: number): boolean {
    // The unit is the larger of a batch and SPILL_RECORDS: the disk buffer's exportSync ends with
    // an fdatasync (about 5 ms here), so 2,048 records per call cost a quarter of 512 per call,
    // per record, for a stall only a little longer (bench/sampling/overflow.bench.mjs).
    const unit = Math.max(this.settings.maxExportBatchSize, SPILL_RECORDS);
    while (!this.queue.fits(bytes) && this.queue.size > 0) {
      const counts = new Int32Array(SEVERITY_CLASS_COUNT);
      this.spillBatch(this.queue.take(unit, counts), counts);
    }
    return this.queue.fits(bytes);
  }

  /** Hands `batch` (with its class counts) to `exportSync` as overflow, accounting it. */
  spillBatch(batch: ReadableLogRecord[], counts: Int32Array): void {
    const stats = this.stats;
    stats.spillWrites++;
    let ok = true;
    try {
      this.exporter.exportSync!(this.handOver(batch));
    } catch (e) {
      ok = false;
      globalErrorHandler(e as Error);
    }
    for (let c = 0; c < SEVERITY_CLASS_COUNT; c++) {
      if (ok) {
        stats.exported[c]! += counts[c]!;
        stats.spilled[c]! += counts[c]!;
      } else {
        stats.dropped[Reason.QUEUE_FULL * SEVERITY_CLASS_COUNT + c]! += counts[c]!;
      }
    }
  }

  /** Hands `records` to `exporter.exportSync`, accounting them; never throws. */
  exportSync(records: ReadableLogRecord[]): void {
    const exportSync = this.exporter.exportSync;
    if (exportSync === undefined) return;
    try {
      exportSync.call(this.exporter, this.handOver(records));
      this.account(records, true);
    } catch (e) {
      this.account(records, false);
      globalErrorHandler(e as Error);
    }
  }

  /** Stops the timer for good (shutdown). */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private onTimer(): void {
    this.timer = undefined;
    const more = this.housekeeping();
    if (this.inFlight === undefined && this.queue.size > 0) this.startExport();
    if (more || this.queue.size > 0) this.arm();
  }

  // Calls exporter.export before returning unless a record's resource is still resolving its
  // attributes: so a batch started before an overflow or FATAL hand-over reaches the exporter
  // before the records handed over after it (the disk buffer places them in the WAL in call order).
  private startExport(): void {
    const counts = new Int32Array(SEVERITY_CLASS_COUNT);
    const batch = this.queue.take(this.settings.maxExportBatchSize, counts);
    if (batch.length === 0) return;
    this.inFlightRecords += batch.length;
    const pending = pendingResources(batch);
    const sent =
      pending === undefined
        ? this.send(batch)
        : pending.then(
            () => this.send(batch),
            (e: Error) => e,
          );
    const p = sent.then((error) => {
      this.inFlightRecords -= batch.length;
      const ok = error === undefined;
      if (!ok) globalErrorHandler(error);
      for (let c = 0; c < SEVERITY_CLASS_COUNT; c++) {
        if (ok) this.stats.exported[c]! += counts[c]!;
        else this.stats.dropped[Reason.EXPORT_FAILED * SEVERITY_CLASS_COUNT + c]! += counts[c]!;
      }
      if (this.inFlight === p) this.inFlight = undefined;
      if (this.stopped) return;
      if (this.queue.size >= this.settings.maxExportBatchSize) this.startExport();
      else if (this.queue.size > 0) this.arm();
    });
    this.inFlight = p;
  }

  private send(batch: ReadableLogRecord[]): Promise<Error | undefined> {
    return context.with(suppressTracing(context.active()), () =>
      exportWithTimeout(
        this.exporter,
        this.handOver(batch),
        this.settings.exportTimeoutMillis,
        'SamplingLogRecordProcessor',
      ),
    );
  }

  // Every batch reaches the exporter through here (export, exportSync, overflow): counted for
  // flushExporter, and marked normalised (each of its records was before it was queued).
  private handOver(batch: ReadableLogRecord[]): ReadableLogRecord[] {
    this.handedOver++;
    return markNormalizedBatch(batch);
  }

  // Records handed over synchronously (FATAL, exit) are few: classed one by one.
  private account(records: ReadableLogRecord[], ok: boolean): void {
    for (const r of records) {
      const cls = severityClassOf(r.severityNumber, r.severityText);
      if (ok) this.stats.exported[cls]!++;
      else this.stats.drop(Reason.EXPORT_FAILED, cls);
    }
  }
}

// Undefined when no record's resource is resolving async attributes (the usual case: no wait).
function pendingResources(records: ReadableLogRecord[]): Promise<unknown> | undefined {
  const pending: Promise<void>[] = [];
  // Records share a resource: each is looked at once per run of records that share it.
  let last: unknown;
  for (const r of records) {
    if (r.resource === last) continue;
    last = r.resource;
    const res = r.resource as {
      asyncAttributesPending?: boolean;
      waitForAsyncAttributes?(): Promise<void>;
    };
    if (res.asyncAttributesPending && res.waitForAsyncAttributes) {
      pending.push(res.waitForAsyncAttributes());
    }
  }
  return pending.length === 0 ? undefined : Promise.all(pending);
}
