import { type ExportResult, ExportResultCode, globalErrorHandler } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { settleWithin } from '@spillway/sampling';
import { type ComponentMetrics, severityCounts } from '@spillway/self-metrics';
import { Counters } from './internal/counters';
import { type EncodedFrame, FrameEncoder } from './internal/frame-encoder';
import { Ledger } from './internal/ledger';
import { registerMetrics } from './internal/metrics';
import { type ResolvedOptions, resolveOptions } from './internal/options';
import { type StartedBuffer, startBuffer } from './internal/start-up';
import type { DiskBufferOptions, DiskBufferStats } from './types';

/*
 *  export(batch) ─► FrameEncoder ─► DiskCap (whenFull) ─► WalWriter (group commit) ─► cb(SUCCESS)
 *                                                          │ segments
 *                       Spiller: closed segments above ────┤ spillAfterBytes ─► .spill.zst
 *                                                          ▼
 *                       Sender: oldest first (WAL or spill) ─► downstream exporter, retries
 *                         ▲ frames just appended: their records from memory (RecentFrames), no read
 */

/**
 * A LogRecordExporter that puts each batch in a checksummed write-ahead log on local disk before
 * acknowledging it, then delivers it to the downstream exporter with retries: across collector
 * outages, process crashes and restarts. Use it between a processor and a network exporter.
 *
 * Guarantees: an export is acknowledged only once durable per `fsync`; every record is delivered
 * at least once, or counted in `getStats().dropped` (disk cap or full disk, disk error,
 * corruption, expiry); disk use stays under `maxDiskBytes` and above `minFreeBytes` free; a
 * damaged directory never prevents start.
 *
 * The constructor takes the directory lock and throws {@link DirectoryLockedError} when another
 * live process holds it.
 */
export class DiskBufferedLogRecordExporter implements LogRecordExporter {
  /**
   * Every `export` calls back by itself once its write lands (or fails): a processor flushing
   * several batches need not flush this exporter for each (`@spillway/sampling` flushes it once
   * at the end: one fdatasync per flush).
   */
  readonly exportsSettleWithoutFlush = true;
  private readonly o: ResolvedOptions;
  private readonly downstream: LogRecordExporter;
  private readonly counters = new Counters();
  private readonly ledger = new Ledger();
  private readonly buffer: StartedBuffer;
  private readonly encoder: FrameEncoder;
  private recovering = 0;
  private closing = false;
  private shutdownOnce: Promise<void> | undefined;
  // Batches given to `export` and not yet encoded. The encode runs in a task of its own (a 0 ms
  // timer), not inside the call that handed the batch over: that call is usually the `emit` that
  // filled the processor's batch, and an encode of 512 records there was a third of the event
  // loop's longest tasks at 20,000 records/s. `exportSync`, `forceFlush` and `shutdown` write
  // these first, so the WAL keeps the order of the calls.
  private deferred: { records: ReadableLogRecord[]; done: (result: ExportResult) => void }[] = [];
  private deferredTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly metrics: ComponentMetrics;

  constructor(options: DiskBufferOptions) {
    this.o = resolveOptions(options);
    this.downstream = options.exporter;
    this.buffer = startBuffer({
      options: this.o,
      downstream: this.downstream,
      counters: this.counters,
      ledger: this.ledger,
      onRecoveryStart: () => this.recovering++,
      onRecoveryDone: () => this.recovering--,
    });
    this.encoder = new FrameEncoder(this.o.recordUid);
    this.metrics = registerMetrics(options.meterProvider, () => this.getStats());
    this.buffer.sender.start();
    this.buffer.spiller.maybeSpill();
  }

  /**
   * Appends the batch to the WAL; `resultCallback(SUCCESS)` once it is durable per `fsync`.
   * FAILED (never a throw) after shutdown, at the disk cap with `drop_newest` (counted
   * `disk_full`), or on a disk error (counted `disk_full` on ENOSPC or EDQUOT, else `io_error`).
   * The batch is encoded and written in a task of its own, after this call returns (the records
   * must not change meanwhile: the SDK makes them read-only once `onEmit` returns); a later
   * `exportSync`, `forceFlush` or `shutdown` writes it first.
   */
  export(records: ReadableLogRecord[], resultCallback: (result: ExportResult) => void): void {
    if (this.closing) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('exporter is shut down') });
      return;
    }
    if (records.length === 0) {
      resultCallback({ code: ExportResultCode.SUCCESS });
      return;
    }
    this.deferred.push({ records, done: resultCallback });
    this.deferredTimer ??= setTimeout(this.writeDeferred, 0);
  }

  // The batches `export` deferred, taken (in order) with their timer cancelled.
  private takeDeferred(): { records: ReadableLogRecord[]; done: (result: ExportResult) => void }[] {
    clearTimeout(this.deferredTimer);
    this.deferredTimer = undefined;
    const batches = this.deferred;
    if (batches.length > 0) this.deferred = [];
    return batches;
  }

  // Encodes and appends every batch `export` deferred, in order; never throws (a callback that
  // throws is reported: here it would end the process).
  private readonly writeDeferred = (): void => {
    for (const { records, done } of this.takeDeferred()) {
      try {
        this.write(records, done);
      } catch (err) {
        globalErrorHandler(err as Error);
      }
    }
  };

  private write(
    records: ReadableLogRecord[],
    resultCallback: (result: ExportResult) => void,
  ): void {
    let frames: EncodedFrame[];
    try {
      frames = this.encoder.frames(records);
    } catch (err) {
      resultCallback({ code: ExportResultCode.FAILED, error: err as Error });
      return;
    }
    let left = frames.length;
    let failure: Error | undefined;
    const done = (err?: Error) => {
      if (err) failure = err;
      if (--left === 0) {
        resultCallback(
          failure
            ? { code: ExportResultCode.FAILED, error: failure }
            : { code: ExportResultCode.SUCCESS },
        );
      }
    };
    const { cap, writer, recent } = this.buffer;
    for (const { frame, payload, records: kept, asIs, severities } of frames) {
      const count = kept.length;
      if (!cap.admit(frame.length, count, severities)) {
        done(diskFull(count));
        continue;
      }
      try {
        const at = writer.append(frame, count, severities, (err) => {
          if (err) cap.writeFailed(err, count, severities);
          done(err);
        });
        if (asIs) recent.add(at.seq, at.offset, at.end, kept, payload, false);
      } catch (err) {
        cap.writeFailed(err as Error, count, severities);
        done(err as Error);
      }
    }
  }

  /**
   * Writes the records, with every batch queued before them, to the WAL synchronously: for FATAL
   * records, queue overflow and process exit. When it returns they are in the page cache, so they
   * survive the process (SIGKILL, `process.exit`, a crash) and the next start delivers them. Against
   * an OS crash or power loss they are durable per `fsync`: `always` fdatasyncs before returning,
   * `{ intervalMillis: N }` within N ms (the interval's next sync), `never` not at all. Never
   * throws: a failure is counted and sent to the global error handler.
   */
  exportSync(records: ReadableLogRecord[]): void {
    if (this.closing) {
      if (records.length > 0) {
        globalErrorHandler(
          new Error(`exportSync after shutdown: ${records.length} records not written`),
        );
      }
      return;
    }
    // Called with no records too (the processor's exit hand-over when its queue is empty): the
    // batches `export` deferred, and frames appended whose write has not started, are written all
    // the same.
    this.writeDeferredSync();
    if (records.length > 0) this.appendSync(records, true);
    else this.buffer.writer.writePendingSync();
  }

  // writeDeferred's batches, written as exportSync writes (in the page cache, or synced under
  // 'always', before this returns), each batch's callback called with its outcome.
  private writeDeferredSync(): void {
    for (const { records, done } of this.takeDeferred()) {
      const failure = this.appendSync(records, false);
      try {
        done(
          failure
            ? { code: ExportResultCode.FAILED, error: failure }
            : { code: ExportResultCode.SUCCESS },
        );
      } catch (err) {
        globalErrorHandler(err as Error);
      }
    }
  }

  // The synchronous append of `records`; the first failure, if any. Every failure is counted;
  // `report` also sends it to the global error handler (exportSync has no callback to tell).
  private appendSync(records: ReadableLogRecord[], report: boolean): Error | undefined {
    const { cap, writer, recent } = this.buffer;
    let failure: Error | undefined;
    const failed = (err: Error) => {
      failure ??= err;
      if (report) globalErrorHandler(err);
    };
    try {
      // Not copied out of the encoder: appendSync has written the frame before the next encode.
      for (const { frame, payload, records: kept, asIs, severities } of this.encoder.frames(
        records,
        false,
      )) {
        const count = kept.length;
        if (!cap.admit(frame.length, count, severities)) {
          failure ??= diskFull(count);
          continue;
        }
        try {
          const at = writer.appendSync(frame, count, severities);
          if (asIs) recent.add(at.seq, at.offset, at.end, kept, payload, true);
        } catch (err) {
          cap.writeFailed(err as Error, count, severities);
          failed(err as Error);
        }
      }
    } catch (err) {
      failed(err as Error);
    }
    return failure;
  }

  /**
   * Resolves when everything accepted before the call is durable (fsynced unless `'never'`) and
   * the sender has finished one delivery attempt of the backlog (or delivered all of it).
   */
  async forceFlush(): Promise<void> {
    this.writeDeferred();
    await this.buffer.writer.flush();
    await this.buffer.sender.attemptUntilCaughtUp(false);
  }

  /**
   * Stops accepting, makes everything durable, tries to deliver the backlog for up to
   * `shutdownTimeoutMillis`, saves the checkpoint, closes files, releases the lock and shuts the
   * downstream exporter down. Idempotent.
   */
  shutdown(): Promise<void> {
    this.shutdownOnce ??= this.doShutdown();
    return this.shutdownOnce;
  }

  private async doShutdown(): Promise<void> {
    this.closing = true;
    this.writeDeferred();
    const { writer, sender, spiller } = this.buffer;
    try {
      await writer.flush();
      // The sender's retry sleeps hold the process while this waits (Sender.attemptUntilCaughtUp).
      await settleWithin(sender.attemptUntilCaughtUp(true), this.o.shutdownTimeoutMillis);
      await sender.stop(this.o.exportTimeoutMillis);
      await spiller.stop();
      // The background scan may be cutting a torn tail: finish before another process may lock.
      await settleWithin(this.buffer.recovery, this.o.exportTimeoutMillis);
      // A checkpoint that cannot be written costs redelivery; the files must still be closed.
      await sender.saveCheckpoint().catch((err) => this.counters.error(err));
      await writer.close();
    } catch (err) {
      this.counters.error(err);
      globalErrorHandler(err as Error);
    } finally {
      this.buffer.lock.release();
      this.metrics.shutdown();
    }
    try {
      await this.downstream.shutdown();
    } catch (err) {
      globalErrorHandler(err as Error);
    }
  }

  /** A snapshot of the counters; cheap (no I/O). */
  getStats(): DiskBufferStats {
    const t = this.ledger.totals();
    const pos = this.buffer.sender.pos;
    const cur = this.ledger.get(pos.seq);
    const done = cur ? pos.doneInFile : 0;
    const c = this.counters;
    return {
      recordsPending: Math.max(0, t.walRecords + t.spillRecords - done),
      bytesPending: t.walBytes + t.spillBytes,
      walRecords: t.walRecords - (cur?.kind === 'wal' ? done : 0),
      walBytes: t.walBytes,
      spillRecords: t.spillRecords - (cur?.kind === 'spill' ? done : 0),
      spillBytes: t.spillBytes,
      recordsAccepted: c.accepted,
      recordsDelivered: c.delivered,
      retries: c.retries,
      recordsFromMemory: c.fromMemory,
      dropped: {
        disk_full: severityCounts(c.dropped.disk_full),
        io_error: severityCounts(c.dropped.io_error),
        corrupt: severityCounts(c.dropped.corrupt),
        expired: severityCounts(c.dropped.expired),
      },
      corruptFrames: c.corruptFrames,
      truncatedBytes: c.truncatedBytes,
      skippedFiles: c.skippedFiles,
      diskBytes: this.ledger.totalBytes(),
      recovering: this.recovering > 0,
      lastError: c.lastError && { ...c.lastError },
      substitutedValues: { ...this.encoder.substituted },
    };
  }
}

/** The error of a batch part the disk cap refused (`drop_newest`, counted `disk_full`). */
function diskFull(count: number): Error {
  return new Error(`disk buffer full: ${count} records dropped (disk_full)`);
}
