import { randomBytes } from 'node:crypto';
import { type ExportResult, ExportResultCode, globalErrorHandler } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import {
  emptySubstitutionCounts,
  normalizeLogRecords,
  renormalizeLogRecord,
} from '@spillway/record-format';
import { type ComponentMetrics, severityCounts } from '@spillway/self-metrics';
import { ByteWriter } from './internal/byte-writer';
import { Counters } from './internal/counters';
import type { DirLock } from './internal/dir-lock';
import type { DiskSpace } from './internal/disk-space';
import type { FileHolds } from './internal/file-holds';
import { Ledger } from './internal/ledger';
import { registerMetrics } from './internal/metrics';
import { type ResolvedOptions, resolveOptions } from './internal/options';
import type { RecentFrames } from './internal/recent-frames';
import { type ExtraAttribute, encodeBatch } from './internal/record-encoder';
import type { Sender } from './internal/sender';
import { countSeverities, type SeverityCounts } from './internal/severity-counts';
import { copyToSlab } from './internal/slab';
import type { Spiller } from './internal/spiller';
import { startBuffer } from './internal/start-up';
import { FRAME_HEADER_BYTES, MAX_FRAME_PAYLOAD, SEGMENT_HEADER_BYTES } from './internal/wal-format';
import type { WalWriter } from './internal/wal-writer';
import type { DiskBufferOptions, DiskBufferStats } from './types';

/*
 *  export(batch) ─► encode ─► cap check (whenFull) ─► WalWriter (group commit) ─► cb(SUCCESS)
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
 * at least once, or counted in `getStats().dropped` (disk cap, corruption, expiry); disk use stays
 * under `maxDiskBytes` and above `minFreeBytes` free; a damaged directory never prevents start.
 *
 * The constructor takes the directory lock and throws {@link DirectoryLockedError} when another
 * live process holds it.
 */
export class DiskBufferedLogRecordExporter implements LogRecordExporter {
  private readonly o: ResolvedOptions;
  private readonly downstream: LogRecordExporter;
  private readonly counters = new Counters();
  private readonly ledger = new Ledger();
  private readonly lock: DirLock;
  private readonly writer: WalWriter;
  private readonly sender: Sender;
  private readonly recent: RecentFrames;
  private readonly spiller: Spiller;
  private readonly space: DiskSpace;
  private readonly holds: FileHolds;
  private readonly encoder = new ByteWriter();
  private readonly substituted = emptySubstitutionCounts();
  private readonly uid: ExtraAttribute | undefined;
  private recovering = 0;
  private readonly recovery: Promise<void>;
  private closing = false;
  private shutdownOnce: Promise<void> | undefined;
  private readonly metrics: ComponentMetrics;

  constructor(options: DiskBufferOptions) {
    this.o = resolveOptions(options);
    this.downstream = options.exporter;
    const started = startBuffer({
      options: this.o,
      downstream: this.downstream,
      counters: this.counters,
      ledger: this.ledger,
      onRecoveryStart: () => this.recovering++,
      onRecoveryDone: () => this.recovering--,
    });
    this.lock = started.lock;
    this.space = started.space;
    this.holds = started.holds;
    this.writer = started.writer;
    this.spiller = started.spiller;
    this.sender = started.sender;
    this.recent = started.recent;
    this.recovery = started.recovery;
    if (this.o.recordUid) {
      const prefix = randomBytes(8).toString('hex');
      let n = 0;
      this.uid = { key: 'log.record.uid', value: () => `${prefix}-${(n++).toString(36)}` };
    }
    this.metrics = registerMetrics(options.meterProvider, () => this.getStats());
    this.sender.start();
    this.spiller.maybeSpill();
  }

  /**
   * Appends the batch to the WAL; `resultCallback(SUCCESS)` once it is durable per `fsync`.
   * FAILED (never a throw) after shutdown, at the disk cap with `drop_newest` (counted
   * `disk_full`), or on a disk error.
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
    let frames: EncodedFrame[];
    try {
      frames = this.encode(normalizeLogRecords(records, this.substituted));
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
    for (const { frame, records: kept, asIs, severities } of frames) {
      const count = kept.length;
      if (!this.admit(frame.length, count, severities)) {
        done(new Error(`disk buffer full: ${count} records dropped (disk_full)`));
        continue;
      }
      this.counters.accepted += count;
      try {
        const at = this.writer.append(frame, count, severities, (err) => {
          if (err) this.diskError(err, count, severities);
          done(err);
        });
        if (asIs) this.recent.add(at.seq, at.offset, at.end, kept);
      } catch (err) {
        this.diskError(err as Error, count, severities);
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
    if (records.length === 0) return;
    if (this.closing) {
      globalErrorHandler(
        new Error(`exportSync after shutdown: ${records.length} records not written`),
      );
      return;
    }
    try {
      // Not copied out of the encoder: appendSync has written the frame before the next encode.
      for (const { frame, records: kept, asIs, severities } of this.encode(
        normalizeLogRecords(records, this.substituted),
        false,
        false,
      )) {
        const count = kept.length;
        if (!this.admit(frame.length, count, severities)) continue;
        this.counters.accepted += count;
        try {
          const at = this.writer.appendSync(frame, count, severities);
          if (asIs) this.recent.add(at.seq, at.offset, at.end, kept);
        } catch (err) {
          this.diskError(err as Error, count, severities);
          globalErrorHandler(err as Error);
        }
      }
    } catch (err) {
      globalErrorHandler(err as Error);
    }
  }

  /**
   * Resolves when everything accepted before the call is durable (fsynced unless `'never'`) and
   * the sender has finished one delivery attempt of the backlog (or delivered all of it).
   */
  async forceFlush(): Promise<void> {
    await this.writer.flush();
    await this.sender.attemptUntilCaughtUp(false);
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
    try {
      await this.writer.flush();
      await withTimeout(this.sender.attemptUntilCaughtUp(true), this.o.shutdownTimeoutMillis);
      await this.sender.stop(this.o.exportTimeoutMillis);
      await this.spiller.stop();
      // The background scan may be cutting a torn tail: finish before another process may lock.
      await withTimeout(this.recovery, this.o.exportTimeoutMillis);
      // A checkpoint that cannot be written costs redelivery; the files must still be closed.
      await this.sender.saveCheckpoint().catch((err) => this.counters.error(err));
      await this.writer.close();
    } catch (err) {
      this.counters.error(err);
      globalErrorHandler(err as Error);
    } finally {
      this.lock.release();
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
    const cur = this.ledger.get(this.sender.pos.seq);
    const done = cur ? this.sender.pos.doneInFile : 0;
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
        corrupt: severityCounts(c.dropped.corrupt),
        expired: severityCounts(c.dropped.expired),
      },
      corruptFrames: c.corruptFrames,
      truncatedBytes: c.truncatedBytes,
      skippedFiles: c.skippedFiles,
      diskBytes: this.ledger.totalBytes(),
      recovering: this.recovering > 0,
      lastError: c.lastError && { ...c.lastError },
      substitutedValues: { ...this.substituted },
    };
  }

  /**
   * Frames (header space + payload) of at most MAX_FRAME_PAYLOAD, with their records' counts, of
   * normalised records: each fits a frame (normalisation bounds a record to a few MiB), so the
   * RangeError is for a record grown after its check whose normalised copy still does not fit.
   * With `copy` false a single frame is a view of the encoder's buffer, valid until the next
   * encode (split batches are always copied: each frame would overwrite the one before).
   */
  private encode(records: ReadableLogRecord[], renormalized = false, copy = true): EncodedFrame[] {
    const w = this.encoder;
    w.reset(FRAME_HEADER_BYTES);
    const asIs = encodeBatch(w, records, this.substituted, this.uid);
    if (w.pos - FRAME_HEADER_BYTES > MAX_FRAME_PAYLOAD && records.length > 1) {
      const half = records.length >> 1;
      return [...this.encode(records.slice(0, half)), ...this.encode(records.slice(half))];
    }
    if (w.pos - FRAME_HEADER_BYTES > MAX_FRAME_PAYLOAD && !renormalized) {
      return this.encode([renormalizeLogRecord(records[0]!, this.substituted)], true, copy);
    }
    if (w.pos - FRAME_HEADER_BYTES > MAX_FRAME_PAYLOAD) {
      throw new RangeError(
        `record too large: ${w.pos - FRAME_HEADER_BYTES} bytes encoded, limit ${MAX_FRAME_PAYLOAD}`,
      );
    }
    return [
      {
        frame: copy ? copyToSlab(w.buf.subarray(0, w.pos)) : w.buf.subarray(0, w.pos),
        records,
        // A frame whose records were rewritten, or stamped with a uid, is read back from the WAL.
        asIs: asIs && this.uid === undefined,
        severities: countSeverities(records),
      },
    ];
  }

  /**
   * Makes room for `bytes` under the cap and the free-space floor, evicting the oldest files with
   * `drop_oldest`. False (records counted `disk_full`) when the batch must be dropped.
   */
  private admit(bytes: number, count: number, severities: SeverityCounts): boolean {
    const fits = () =>
      this.ledger.totalBytes() + bytes + SEGMENT_HEADER_BYTES <= this.o.maxDiskBytes &&
      this.space.freeBytes() - bytes >= this.o.minFreeBytes;
    // The free-space estimate may be stale (space freed by others): ask statfs before dropping.
    if (!fits()) this.space.refreshSync();
    while (!fits()) {
      if (this.o.whenFull === 'drop_newest' || !this.evictOldest()) {
        this.counters.drop('disk_full', count, severities);
        return false;
      }
    }
    this.space.noteAppended(bytes);
    return true;
  }

  /** Deletes the oldest file that is not being written or verified, counting what it held. */
  private evictOldest(): boolean {
    const active = this.writer.activeSeq;
    let victim = this.ledger.sorted().find((e) => e.seq !== active && e.verified);
    const current = active === undefined ? undefined : this.ledger.get(active);
    if (victim === undefined && current !== undefined && current.records > 0) {
      // Only the segment being written is left: retire it so that it can go too.
      this.writer.retireActive();
      victim = current;
    }
    if (victim === undefined) return false;
    this.counters.drop('disk_full', ...this.sender.undelivered(victim));
    victim.evicted = true;
    this.ledger.delete(victim.seq);
    // Unlinked once closed: a held file would keep its blocks (FileHolds).
    this.holds.remove(victim.path, victim.kind === 'spill' ? [`${victim.path}.idx`] : []);
    this.space.noteAppended(-victim.bytes);
    this.sender.evicted(victim.seq);
    return true;
  }

  private diskError(err: Error, count: number, severities: SeverityCounts): void {
    this.counters.drop('disk_full', count, severities);
    this.counters.accepted -= count;
    this.counters.error(err);
    this.space.refreshSync();
  }
}

/** A frame ready to append, with the records it holds (normalised) and whether it holds them as is. */
interface EncodedFrame {
  frame: Buffer;
  records: ReadableLogRecord[];
  asIs: boolean;
  severities: SeverityCounts;
}

function withTimeout(p: Promise<void>, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    p.finally(() => {
      clearTimeout(t);
      resolve();
    });
  });
}
