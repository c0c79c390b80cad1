import { context } from '@opentelemetry/api';
import { ExportResultCode, globalErrorHandler, suppressTracing } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { severityClassOf } from '@spillway/record-format';
import type { SyncLogRecordExporter } from '../types';
import type { ProcessorStats } from './processor-stats';
import { Reason } from './processor-stats';
import type { SeverityQueue } from './severity-queue';

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
 * Accounts every record handed to the exporter as exported or `export_failed`, by class.
 */
export class ExportDriver {
  /** Records handed to the exporter and not yet called back. */
  inFlightRecords = 0;
  private inFlight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private flushing: Promise<void> | undefined;
  private flushTarget = -1;

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
   * Exports everything queued now (waiting for the export in flight first), batch by batch; resolves
   * when the last of those batches is called back. Calls while a flush runs extend it to what is
   * queued at their time and share its promise, so a stream of FATAL records runs one flush loop,
   * not one each. Never rejects.
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
        if (this.inFlight !== undefined) {
          await this.inFlight;
          continue;
        }
        if (this.queue.size === 0 || this.queue.oldestSeq() > this.flushTarget) return;
        this.startExport();
      }
    } finally {
      this.flushing = undefined;
    }
  }

  /** Hands `records` to `exporter.exportSync`, accounting them; never throws. */
  exportSync(records: ReadableLogRecord[]): void {
    const exportSync = this.exporter.exportSync;
    if (exportSync === undefined || records.length === 0) return;
    try {
      exportSync.call(this.exporter, records);
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

  private startExport(): void {
    const counts = new Int32Array(6);
    const batch = this.queue.take(this.settings.maxExportBatchSize, counts);
    if (batch.length === 0) return;
    const p = this.exportBatch(batch, counts).then(() => {
      if (this.inFlight === p) this.inFlight = undefined;
      if (this.stopped) return;
      if (this.queue.size >= this.settings.maxExportBatchSize) this.startExport();
      else if (this.queue.size > 0) this.arm();
    });
    this.inFlight = p;
  }

  private async exportBatch(batch: ReadableLogRecord[], counts: Int32Array): Promise<void> {
    this.inFlightRecords += batch.length;
    let ok = false;
    try {
      await waitForResources(batch);
      const error = await context.with(suppressTracing(context.active()), () =>
        this.exportWithTimeout(batch),
      );
      ok = error === undefined;
      if (error !== undefined) globalErrorHandler(error);
    } catch (e) {
      globalErrorHandler(e as Error);
    } finally {
      this.inFlightRecords -= batch.length;
      for (let c = 0; c < 6; c++) {
        if (ok) this.stats.exported[c]! += counts[c]!;
        else this.stats.dropped[Reason.EXPORT_FAILED * 6 + c]! += counts[c]!;
      }
    }
  }

  // Resolves with undefined on SUCCESS, else with the error (a timeout counts as one).
  private exportWithTimeout(batch: ReadableLogRecord[]): Promise<Error | undefined> {
    return new Promise((resolve) => {
      let done = false;
      const finish = (error: Error | undefined): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve(error);
      };
      const timeout = this.settings.exportTimeoutMillis;
      const timer = setTimeout(
        () => finish(new Error(`SamplingLogRecordProcessor: export timed out after ${timeout} ms`)),
        timeout,
      );
      try {
        this.exporter.export(batch, (result) => {
          finish(
            result.code === ExportResultCode.SUCCESS
              ? undefined
              : (result.error ?? new Error('SamplingLogRecordProcessor: log record export failed')),
          );
        });
      } catch (e) {
        finish(e as Error);
      }
    });
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

async function waitForResources(records: ReadableLogRecord[]): Promise<void> {
  const pending: Promise<void>[] = [];
  for (const r of records) {
    const res = r.resource as {
      asyncAttributesPending?: boolean;
      waitForAsyncAttributes?(): Promise<void>;
    };
    if (res.asyncAttributesPending && res.waitForAsyncAttributes) {
      pending.push(res.waitForAsyncAttributes());
    }
  }
  if (pending.length > 0) await Promise.all(pending);
}
