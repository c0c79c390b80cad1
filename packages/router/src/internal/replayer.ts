import { join } from 'node:path';
import { diag } from '@opentelemetry/api';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { emitConfigWarning } from '@spillway/config';
import {
  clearReplayCheckpoint,
  type FrameProblem,
  loadReplayCheckpoint,
  type ReplayPosition,
  saveReplayCheckpoint,
} from '@spillway/file-exporter';
import { timerDelay } from '@spillway/sampling';
import { DropCounter, type LastError, UNKNOWN_CLASS } from '@spillway/self-metrics';
import { describeExportError } from '../classify-export-error';
import type { ReplayDropReason, ReplayOptions, ReplayStats } from '../types';
import type { ExportTarget } from './export-target';
import type { BacklogFile, ReplaySource } from './replay-source';

/** Every reason replay drops a record for, in `getStats().replay.dropped` order. */
export const REPLAY_DROP_REASONS: readonly ReplayDropReason[] = [
  'too_large',
  'rejected',
  'unreadable',
];

/**
 * Replay of fallback files to the primary target:
 *
 *   primary circuit closed for settleMillis, no replay failure since ─▶ pass:
 *     list closed files, oldest first ─▶ for each file, frame, line, chunk of batchSize records:
 *       pace to ratePerSecond (beside live traffic, which never waits) ─▶ primary.send(batch)
 *         ok:   save checkpoint (next position), next batch; file done ─▶ delete it
 *         too large: split in halves until the record(s) too large are alone; those are dropped
 *               and counted (`too_large`, by severity), the rest delivered
 *         fail: stop the pass (the failure counts on the circuit); wait settleMillis again
 *   primary circuit open, backlog waiting ─▶ at its retry time one replay batch is the probe
 *
 * One batch is in flight at a time and the checkpoint is saved after each acknowledged batch, so a
 * crash repeats at most that batch.
 */
export interface ReplayHost {
  primary: ExportTarget;
  liveInFlight: () => number;
}

// `paused`: the probe batch's budget is spent; the loop waits for the circuit to settle.
type PassEnd = 'done' | 'failed' | 'stopped' | 'paused';

// A replay option outside its range falls back to its default, with a warning (never a throw).
function orDefault(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (Number.isFinite(value) && value >= min) return value;
  emitConfigWarning(
    `FailoverLogRecordExporter: replay.${name} must be a number >= ${min}, got ${String(value)}; using ${fallback}`,
  );
  return fallback;
}

export class Replayer {
  private readonly settleMillis: number;
  private readonly ratePerSecond: number;
  private readonly batchSize: number;
  private readonly checkpointPath: string;
  private stopped = false;
  private wake: (() => void) | undefined;
  private signalled = false;
  private notBefore = 0;
  private budget = Number.POSITIVE_INFINITY;
  private nextSendAt = 0;
  private backlog: BacklogFile[] = [];
  private backlogKnown = false;
  private dirty = true;
  // Records went to the fallback since its file was last closed: they may not be in a file on
  // disk yet (the exporter writes a frame at its flush interval), but they are backlog.
  private unrotated = false;
  private replaying = false;
  private inFlight: Promise<unknown> = Promise.resolve();
  private readonly loop: Promise<void>;
  private readonly stats = {
    recordsReplayed: 0,
    batchesReplayed: 0,
    filesReplayed: 0,
  };
  private readonly dropped = new DropCounter(REPLAY_DROP_REASONS);
  private position: ReplayPosition | undefined;
  private lastError: LastError | undefined;

  constructor(
    private readonly host: ReplayHost,
    private readonly source: ReplaySource,
    options: ReplayOptions,
  ) {
    this.settleMillis = orDefault('settleMillis', options.settleMillis, 5_000, 0);
    this.ratePerSecond = orDefault('ratePerSecond', options.ratePerSecond, 50_000, 0.001);
    this.batchSize = Math.floor(orDefault('batchSize', options.batchSize, 2_048, 1));
    this.checkpointPath =
      options.checkpointPath ?? join(source.directory, '.replay-checkpoint.json');
    this.loop = this.run();
  }

  /** The primary's circuit closed: the settle time starts now. */
  primaryRecovered(): void {
    this.notify();
  }

  /** A live export finished: replay may go on if none is left in flight. */
  liveSettled(): void {
    if (this.host.liveInFlight() === 0) this.notify();
  }

  /** A live batch went to a fallback: there is (or will be) a file to replay. */
  fallbackWritten(): void {
    this.dirty = true;
    this.unrotated = true;
    this.notify();
  }

  /** Waits for the replay batch in flight, if any. */
  async flush(): Promise<void> {
    await this.inFlight;
  }

  /** Stops replay after the batch in flight (its checkpoint saved). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.notify();
    await this.loop;
  }

  getStats(): ReplayStats {
    const pending = this.backlog;
    const s: ReplayStats = {
      state: this.replaying ? 'replaying' : pending.length > 0 ? 'waiting' : 'idle',
      filesPending: pending.length,
      bytesPending: pending.reduce((n, f) => n + f.size, 0),
      ...this.stats,
      dropped: this.dropped.snapshot(),
    };
    if (this.position) s.position = { ...this.position };
    if (this.lastError !== undefined) s.lastError = { ...this.lastError };
    return s;
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    if (w) w();
    else this.signalled = true; // the loop is busy: its next sleep returns at once
  }

  /** Sleeps until notified or `ms` elapsed (unref'd: replay never keeps the process alive). */
  private sleep(ms: number): Promise<void> {
    if (this.signalled || this.stopped) {
      this.signalled = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      // Timers cap at 2^31-1 ms (a longer one fires at once); a wake-up early only re-checks.
      const timer = ms === Number.POSITIVE_INFINITY ? undefined : setTimeout(done, timerDelay(ms));
      timer?.unref();
      function done(): void {
        if (timer) clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        if (this.dirty || !this.backlogKnown) await this.refreshBacklog();
      } catch (error) {
        this.fail(`listing ${this.source.directory}: ${describeExportError(error)}`);
      }
      if (this.backlog.length === 0 && !this.unrotated) {
        if (!this.dirty) await this.sleep(Number.POSITIVE_INFINITY);
        continue;
      }
      // Closed: replay once settled. Open: at the retry time, one replay batch is the probe (so a
      // backlog drains even when no live traffic comes to probe), then the settle time applies.
      const circuit = this.host.primary.circuit;
      const closedSince = circuit.closedSince();
      const readyAt = Math.max(
        closedSince === undefined
          ? (circuit.nextRetryAt() ?? Date.now())
          : closedSince + this.settleMillis,
        this.notBefore,
      );
      if (Date.now() < readyAt) {
        await this.sleep(readyAt - Date.now());
        continue;
      }
      // Only now close the file being written, so its records replay in this pass too. Closing it
      // at every listing instead would cut a new file for every batch the fallback takes.
      try {
        this.unrotated = false;
        this.backlog = await this.source.closedFiles();
      } catch (error) {
        this.fail(`listing ${this.source.directory}: ${describeExportError(error)}`);
        this.notBefore = Date.now() + this.settleMillis;
        continue;
      }
      if (this.backlog.length === 0) continue;
      this.budget = closedSince === undefined ? 1 : Number.POSITIVE_INFINITY;
      const end = await this.pass();
      if (end === 'failed') {
        this.notBefore = Date.now() + this.settleMillis;
        // A file may have gone meanwhile (the exporter's retention): list again before retrying.
        this.dirty = true;
      }
    }
  }

  private async refreshBacklog(): Promise<void> {
    this.dirty = false;
    this.backlog = await this.source.pendingFiles();
    this.backlogKnown = true;
  }

  private fail(message: string): void {
    this.lastError = { message, at: Date.now() };
    diag.warn(`@spillway/router: replay: ${message}`);
  }

  /** Replays every closed file, oldest first; stops at the first failure. */
  private async pass(): Promise<PassEnd> {
    this.replaying = true;
    try {
      // The position in memory is never behind the one on disk (it moves first, so a checkpoint
      // that fails to save does not make this process send a batch twice).
      const checkpoint = this.position ?? (await loadReplayCheckpoint(this.checkpointPath));
      for (const file of [...this.backlog]) {
        const start = checkpoint?.file === file.name ? checkpoint : undefined;
        const end = await this.replayFile(file, start);
        if (end !== 'done') return end;
        await this.source.remove(file.path);
        await clearReplayCheckpoint(this.checkpointPath);
        this.position = undefined;
        this.stats.filesReplayed++;
        this.backlog = this.backlog.filter((f) => f.path !== file.path);
        diag.info(`@spillway/router: replay: ${file.name} replayed and deleted`);
      }
      this.dirty = true;
      return 'done';
    } catch (error) {
      this.fail(describeExportError(error));
      return 'failed';
    } finally {
      this.replaying = false;
    }
  }

  private async replayFile(file: BacklogFile, from: ReplayPosition | undefined): Promise<PassEnd> {
    // Records of successive lines (and frames) are merged up to batchSize: live batches are often
    // small, and one call per stored line would bound replay by round trips, not by the rate.
    const cursor = this.source.open(file.path, {
      from,
      onProblem: (p: FrameProblem) => {
        if (p.kind === 'index') return; // nothing lost: the reader scanned the frames instead
        this.dropped.add('unreadable', UNKNOWN_CLASS, p.records);
        this.fail(`${file.name}: ${p.message}; skipped`);
      },
      // The reader checked the frame's checksum; a line that still does not parse is counted and skipped.
      onUnreadableLine: (frame, line, error) => {
        this.dropped.add('unreadable', UNKNOWN_CLASS);
        this.fail(
          `${file.name} frame ${frame} line ${line}: ${describeExportError(error)}; skipped`,
        );
      },
    });
    try {
      for (;;) {
        const batch = await cursor.next(this.batchSize);
        if (batch === null) break;
        const end = await this.sendBatch(batch.records);
        if (end !== 'done') return end;
        this.position = batch.next;
        await saveReplayCheckpoint(this.checkpointPath, batch.next);
        if (this.budget <= 0) return 'paused';
      }
    } finally {
      await cursor.close();
    }
    return this.stopped ? 'stopped' : 'done';
  }

  private async sendBatch(batch: ReadableLogRecord[]): Promise<PassEnd> {
    // Replay runs beside live traffic (waiting for a gap would starve it under steady load, and
    // live records then pile up behind it); the rate bounds what it adds to the collector's load.
    // Pacing: each batch books batch.length / rate seconds of the replay budget.
    const now = Date.now();
    const sendAt = Math.max(now, this.nextSendAt);
    this.nextSendAt = sendAt + (batch.length * 1000) / this.ratePerSecond;
    while (Date.now() < sendAt && !this.stopped) await this.sleep(sendAt - Date.now());
    if (this.stopped) return 'stopped';
    const sent = this.host.primary.send(batch);
    this.inFlight = sent;
    const attempt = await sent;
    if (!attempt.ok && !attempt.skipped && attempt.class === 'too_large') {
      const end = await this.isolateTooLarge(batch, attempt.error);
      if (end === 'done') this.budget--;
      return end;
    }
    if (!attempt.ok && !attempt.skipped && attempt.class === 'batch') {
      // The primary refuses this batch for good (INVALID_ARGUMENT, 400): retrying it would block
      // the whole backlog behind it. It is counted and skipped.
      this.dropped.addRecords('rejected', batch);
      this.fail(
        `primary rejected a replay batch of ${batch.length} records for good (${describeExportError(attempt.error)}); skipped`,
      );
      this.budget--;
      return 'done';
    }
    if (!attempt.ok) {
      this.fail(
        attempt.skipped
          ? 'primary circuit not closed'
          : `primary failed a replay batch: ${describeExportError(attempt.error)}`,
      );
      return 'failed';
    }
    this.stats.batchesReplayed++;
    this.stats.recordsReplayed += batch.length;
    this.budget--;
    return 'done';
  }

  /**
   * The primary refused `batch` as too large: send each half on its own, splitting again what is
   * still too large, so that only a record too large by itself is left out. Such a record is
   * dropped and counted (`too_large`, with its severity): retrying it could never succeed and
   * would hold the whole backlog behind it. At most 2·log2(n) extra calls per bad record.
   */
  private async isolateTooLarge(batch: ReadableLogRecord[], error: unknown): Promise<PassEnd> {
    if (batch.length === 1) {
      this.dropped.addRecords('too_large', batch);
      this.fail(
        `primary refused a record as too large (${describeExportError(error)}); dropped (too_large)`,
      );
      return 'done';
    }
    const mid = Math.ceil(batch.length / 2);
    for (const half of [batch.slice(0, mid), batch.slice(mid)]) {
      const attempt = await this.host.primary.send(half);
      if (attempt.ok) {
        this.stats.batchesReplayed++;
        this.stats.recordsReplayed += half.length;
        continue;
      }
      if (attempt.skipped || attempt.class !== 'too_large') {
        if (!attempt.skipped && attempt.class === 'batch') {
          this.dropped.addRecords('rejected', half);
          continue;
        }
        this.fail(
          `primary failed a replay batch: ${describeExportError(attempt.skipped ? 'circuit not closed' : attempt.error)}`,
        );
        return 'failed';
      }
      const end = await this.isolateTooLarge(half, attempt.error);
      if (end !== 'done') return end;
    }
    return 'done';
  }
}
