import { globalErrorHandler } from '@opentelemetry/core';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { SyncFrameCipher } from '@spillway/file-exporter';
import {
  backoffMillis,
  exportWithTimeout,
  sendWithTimeout,
  settleWithin,
} from '@spillway/sampling';
import { takesStoredBatches } from '../stored-batch';
import type { RetryOptions } from '../types';
import { type Batch, BatchSource, recordsOf, type SpillCursor } from './batch-source';
import type { CheckpointStore } from './checkpoint';
import type { Counters } from './counters';
import type { FileDeleter } from './file-deleter';
import type { FileHolds } from './file-holds';
import type { Ledger, LedgerEntry, SpillEntry } from './ledger';
import { type Position, ReadPosition } from './read-position';
import type { RecentFrames } from './recent-frames';
import { timeMs } from './record-age';
import { addCounts, countSeverities, emptyCounts, type SeverityCounts } from './severity-counts';

/*
 * The sender: one loop, one export in flight, oldest seq first. This file is the delivery loop
 * (export with timeout, retry, expiry, checkpoints); reading the next batch is batch-source.ts.
 *
 *   ledger.atOrAfter(pos.seq) ─► WAL: frames from pos.offset up to entry.written (from memory
 *                                 while just appended, else read and scanned, not decoded)
 *                             └► spill: lines after pos.offset records (SpillCursor)
 *        ─► batch (≤ maxBatch records) ─► downstream.exportStored (a WAL batch, to an exporter
 *                                          that takes stored bytes) or .export(records), with
 *                                          timeout ─┬─ ok: advance, checkpoint
 *                                                   └─ fail: backoff + jitter, retry the same batch
 *   A fully read, closed file is deleted, then the position moves to the next seq.
 *   The checkpoint is saved at most every `checkpointMillis` (and on shutdown), not per batch:
 *   a crash redelivers at most what was delivered since the last save.
 */

export interface SenderOptions {
  ledger: Ledger;
  counters: Counters;
  holds: FileHolds;
  exporter: LogRecordExporter;
  checkpoints: CheckpointStore;
  retry: Required<RetryOptions>;
  exportTimeoutMillis: number;
  maxBatchRecords: number;
  maxRecordAgeMillis: number | undefined;
  checkpointMillis: number;
  openSpill: (entry: SpillEntry, skip: number) => Promise<SpillCursor>;
  /** Deletes files once delivered or given up. */
  files: FileDeleter;
  /** Frames just appended, held in memory for delivery without a read (recent-frames.ts). */
  recent?: RecentFrames;
  /** Keys for encrypted WAL frames. */
  cipher?: SyncFrameCipher | undefined;
}

type Outcome = 'delivered' | 'failed' | 'idle';

/** What one export attempt sends: a batch, or what is left of it after the age filter. */
type Sendable = Pick<Batch, 'count' | 'records' | 'stored'>;

/** Consecutive read errors on one file before it is given up. */
const MAX_READ_FAILURES = 5;

export class Sender {
  /** Records of the current file in the batch being exported now. */
  inFlight = 0;
  private inFlightSeverities: SeverityCounts = emptyCounts();
  private readonly source: BatchSource;
  private stopped = false;
  private running: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private sleepTimer: NodeJS.Timeout | undefined;
  private cutSleep: (() => void) | undefined;
  private attemptWaiters: Array<(o: Outcome) => void> = [];
  /** Callers waiting with `persist` (shutdown): while any waits, backoff sleeps hold the process. */
  private persisting = 0;
  private lastCheckpoint = 0;
  private checkpointTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly o: SenderOptions,
    start: Position,
  ) {
    this.source = new BatchSource(
      {
        ledger: o.ledger,
        counters: o.counters,
        holds: o.holds,
        files: o.files,
        maxBatchRecords: o.maxBatchRecords,
        openSpill: o.openSpill,
        recent: o.recent,
        cipher: o.cipher,
        undelivered: (entry) => this.undelivered(entry),
        waitForData: () => this.waitForData(),
        flushDownstream: () => this.flushDownstream(),
      },
      new ReadPosition(start),
    );
  }

  /** The read position (moved by the batch source and this loop; recovery may move it on resume). */
  get pos(): ReadPosition {
    return this.source.pos;
  }

  start(): void {
    this.running ??= this.run().catch((err) => {
      this.o.counters.error(err);
      globalErrorHandler(err);
    });
  }

  /** The file of `seq` was evicted: let go of it (see BatchSource.release) and move on. */
  evicted(seq: number): void {
    this.source.release(seq);
    this.wake();
  }

  /** New data or a closed file: resume if idle. */
  wake(): void {
    const w = this.wakeUp;
    this.wakeUp = undefined;
    w?.();
  }

  /**
   * Resolves when everything written when called has been delivered, or (unless `persist`) after
   * the first failed attempt. A backoff sleep is cut short once, so that an attempt happens now;
   * later retries keep their backoff (a dead downstream is never hammered).
   */
  async attemptUntilCaughtUp(persist: boolean): Promise<void> {
    const target = this.end();
    let first = true;
    if (persist) this.persisting++;
    try {
      while (!this.stopped && !this.reached(target)) {
        const outcome = await new Promise<Outcome>((r) => {
          this.attemptWaiters.push(r);
          if (first) this.cutSleep?.();
          first = false;
          this.wake();
        });
        if (outcome === 'failed' && !persist) return;
        if (outcome === 'idle') return;
      }
    } finally {
      if (persist) this.persisting--;
    }
  }

  /** Stops the loop; waits up to `ms` for an export in flight. */
  async stop(ms: number): Promise<void> {
    this.stopped = true;
    this.cutSleep?.();
    this.wake();
    if (this.checkpointTimer) clearTimeout(this.checkpointTimer);
    this.settle('idle');
    await settleWithin(this.running ?? Promise.resolve(), ms);
    await this.source.close();
  }

  private end(): { seq: number; offset: number } {
    const all = this.o.ledger.sorted();
    const last = all[all.length - 1];
    if (last === undefined) return { seq: this.pos.seq, offset: 0 };
    return { seq: last.seq, offset: last.kind === 'wal' ? last.written : Number.POSITIVE_INFINITY };
  }

  private reached(t: { seq: number; offset: number }): boolean {
    if (this.pos.seq !== t.seq)
      return this.pos.seq > t.seq || this.o.ledger.get(t.seq) === undefined;
    return this.inFlight === 0 && this.pos.offset >= t.offset;
  }

  private settle(outcome: Outcome): void {
    for (const w of this.attemptWaiters.splice(0)) w(outcome);
  }

  /**
   * Records of `entry` not yet done (delivered or dropped), with their severities when known: what
   * is lost if the file goes now. The export in flight counts as done: it is retried from memory.
   */
  undelivered(entry: LedgerEntry): [number, SeverityCounts | undefined] {
    const current = this.pos.seq === entry.seq;
    const done = current ? this.pos.doneInFile + this.inFlight : 0;
    const left = Math.max(0, entry.records - done);
    if (entry.severities === undefined) return [left, undefined];
    const severities = entry.severities.slice();
    if (current) {
      addCounts(severities, this.pos.doneSeverities, -1);
      addCounts(severities, this.inFlightSeverities, -1);
    }
    return [left, severities];
  }

  /** The checkpoint for the current position. */
  async saveCheckpoint(): Promise<void> {
    const seq = this.pos.seq;
    const position = this.pos.offset;
    const e = this.o.ledger.get(seq);
    this.lastCheckpoint = Date.now();
    await this.flushDownstream();
    return this.o.checkpoints.save({ seq, kind: e?.kind === 'spill' ? 'spill' : 'wal', position });
  }

  /**
   * Downstream exporters may acknowledge a batch before it is durable on their side (the zstd
   * file exporter acknowledges once a batch is in its current frame, and fsyncs on forceFlush).
   * Flushing them before the checkpoint moves or a delivered file is deleted keeps "delivered"
   * from ever meaning "lost by a crash downstream". Bounded by the export timeout.
   */
  private async flushDownstream(): Promise<void> {
    let flushed: Promise<void>;
    try {
      flushed = this.o.exporter.forceFlush();
    } catch (err) {
      this.o.counters.error(err);
      return;
    }
    const r = await settleWithin(flushed, this.o.exportTimeoutMillis);
    if (r.status === 'rejected') this.o.counters.error(r.reason);
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      let batch: Batch | undefined;
      try {
        batch = await this.source.next();
        failures = 0;
      } catch (err) {
        // A read error (EIO, EMFILE…) must not end delivery: note it, back off, try again; a file
        // that keeps failing is given up (its records counted) rather than wedging the sender.
        this.o.counters.error(err);
        await this.source.closeReaders().catch(() => {});
        if (++failures >= MAX_READ_FAILURES) {
          failures = 0;
          await this.source.giveUp().catch((e) => this.o.counters.error(e));
          continue;
        }
        await this.sleep(backoffMillis(failures - 1, this.o.retry));
        continue;
      }
      if (batch === undefined) continue;
      const n = batch.count;
      const batchSeverities = batch.severities;
      this.inFlight = n;
      this.inFlightSeverities = batchSeverities;
      const delivered = n > 0 ? await this.deliver(batch) : true;
      this.inFlight = 0;
      this.inFlightSeverities = emptyCounts();
      if (!delivered) break; // stopped while retrying: the batch stays on disk
      this.pos.delivered(batch.entry.seq, batch.end, n, batchSeverities);
      this.settle('delivered');
      this.maybeCheckpoint();
    }
  }

  private waitForData(): Promise<void> {
    this.settle('idle');
    if (this.stopped) return Promise.resolve();
    return new Promise<void>((r) => {
      this.wakeUp = r;
    });
  }

  /** Exports until success; false if stopped first. Drops (and counts) records that expire. */
  private async deliver(batch: Batch): Promise<boolean> {
    const exporter = this.o.exporter;
    const takesStored = takesStoredBatches(exporter);
    const component = 'DiskBufferedLogRecordExporter';
    let current: Sendable = batch;
    for (let attempt = 0; ; attempt++) {
      const maxAge = this.o.maxRecordAgeMillis;
      const oldest = maxAge === undefined ? undefined : Date.now() - maxAge;
      // Decoded records are filtered; a stored batch only when its oldest time says some expired.
      const mayExpire =
        oldest !== undefined && !((current.stored?.oldestMs() ?? Number.NaN) >= oldest);
      // Records are decoded here when this loop needs them (an exporter that takes records, the
      // age filter), and before a retry (see decodes).
      if (current.stored !== undefined && (!takesStored || mayExpire || attempt > 0)) {
        if (!this.decodes(current)) return true;
      }
      if (oldest !== undefined && mayExpire) current = this.dropExpired(current, oldest);
      if (current.count === 0) return true;
      const { stored } = current;
      const err =
        stored !== undefined && takesStored
          ? await sendWithTimeout(
              (done) => exporter.exportStored(stored, done),
              this.o.exportTimeoutMillis,
              component,
            )
          : await exportWithTimeout(
              exporter,
              recordsOf(current),
              this.o.exportTimeoutMillis,
              component,
            );
      if (err === undefined) {
        this.o.counters.delivered += current.count;
        return true;
      }
      this.settle('failed');
      this.o.counters.retries++;
      this.o.counters.error(err);
      if (this.stopped) return false;
      await this.sleep(backoffMillis(attempt, this.o.retry));
      if (this.stopped) return false;
    }
  }

  /**
   * Decodes a stored batch where the loop needs its records, and before a retry (an exporter
   * that takes stored batches may have failed decoding it). Payloads the scan passed and the
   * decoder refuses (none are known) are counted as corrupt once, never retried for ever: false.
   */
  private decodes(batch: Sendable): boolean {
    try {
      batch.stored?.records();
      return true;
    } catch (err) {
      this.o.counters.corruptFrames++;
      this.o.counters.drop('corrupt', batch.count);
      this.o.counters.error(err);
      return false;
    }
  }

  /**
   * `batch` without its records older than `oldest` (ms since the epoch; counted as dropped); the
   * batch itself when none expired.
   */
  private dropExpired(batch: Sendable, oldest: number): Sendable {
    const records = recordsOf(batch);
    const kept = records.filter((r) => timeMs(r.hrTime[0], r.hrTime[1]) >= oldest);
    // The batch itself when none expired: it keeps its stored payloads.
    if (kept.length === records.length) return batch;
    const gone = countSeverities(records);
    addCounts(gone, countSeverities(kept), -1);
    this.o.counters.drop('expired', records.length - kept.length, gone);
    return { count: kept.length, records: kept };
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((r) => {
      const done = () => {
        clearTimeout(this.sleepTimer);
        this.cutSleep = undefined;
        r();
      };
      this.cutSleep = done;
      this.sleepTimer = setTimeout(done, ms);
      // A retry loop must not keep an idle process alive: the records stay on disk. A shutdown
      // waiting for the backlog does, within its budget (whose own timer does not).
      if (this.persisting === 0) this.sleepTimer.unref();
    });
  }

  private maybeCheckpoint(): void {
    if (this.checkpointTimer !== undefined) return;
    const wait = Math.max(0, this.lastCheckpoint + this.o.checkpointMillis - Date.now());
    this.checkpointTimer = setTimeout(() => {
      this.checkpointTimer = undefined;
      this.saveCheckpoint().catch((err) => this.o.counters.error(err));
    }, wait);
    this.checkpointTimer.unref();
  }
}
