import * as fs from 'node:fs';
import { join } from 'node:path';
import { type ExportResult, globalErrorHandler } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { DirectoryLockedError } from './directory-locked-error';
import { DiskBufferedLogRecordExporter } from './disk-buffered-log-record-exporter';
import { DirLock } from './internal/dir-lock';
import type { DiskBufferStats, SlottedDiskBufferOptions } from './types';

/*
 *   constructor              ─► every slot with a backlog and no live owner: drained by a buffer
 *                               on that slot (drain only), then unlocked (a restart delivers
 *                               what the last run left, even if it never logs)
 *   every ADOPT_EVERY_MILLIS ─► the same scan again (a worker that died while we run)
 *   first export/exportSync  ─► slot 0, 1, 2 … : the first whose lock is free (a dead owner's
 *                               lock counts as free: its backlog is recovered as at any start)
 *
 *   <root>/            slot 0: the single-process layout, unchanged
 *   <root>/<n>/        slot n ≥ 1
 */

const DEFAULT_MAX_SLOTS = 64;
/** Six lock heartbeats: a slot whose owner died is adopted within about this long. */
const ADOPT_EVERY_MILLIS = 30_000;
/** Pause between delivery attempts of an adopted backlog while the downstream fails. */
const DRAIN_RETRY_MILLIS = 1_000;
const BACKLOG_FILE = /\.(wal|zst)$/;
/** Sends `exportSync` may have in flight without a WAL: a bound on memory, not a tuning knob. */
const MAX_DIRECT_IN_FLIGHT = 8;

/** The directory of slot `n` under `root`. */
export function slotDirectory(root: string, n: number): string {
  return n === 0 ? root : join(root, String(n));
}

/** Slot numbers present under `root`, ascending; slot 0 always. */
export function listSlots(root: string): number[] {
  let names: string[];
  try {
    names = fs.readdirSync(root);
  } catch {
    return [0];
  }
  const slots = names
    .filter((n) => /^[1-9]\d{0,5}$/.test(n))
    .filter((n) => fs.lstatSync(join(root, n), { throwIfNoEntry: false })?.isDirectory())
    .map(Number);
  return [0, ...slots.sort((a, b) => a - b)];
}

function hasBacklog(dir: string): boolean {
  try {
    return fs.readdirSync(dir).some((n) => BACKLOG_FILE.test(n));
  } catch {
    return false;
  }
}

/**
 * A {@link DiskBufferedLogRecordExporter} for a service of several processes sharing one
 * directory (Node `cluster`, PM2 cluster mode, replicas on a shared volume): each process writes
 * its own WAL slot, so every one of them is durable.
 *
 * Guarantees: a process takes a slot of its own on its first `export`/`exportSync`, never before
 * (one that never logs takes none); the slot is the first whose lock is free, so a dead owner's
 * slot is reused and its backlog recovered and delivered; backlogs of every other slot without a
 * live owner are delivered too (from construction on, then every 30 s, holding each such slot
 * only while delivering it), so none is stranded when the number of processes shrinks or a
 * restarted process does not log. Delivery is at least once: records of a batch in flight when its
 * process died may arrive twice.
 */
export class SlottedDiskBufferedLogRecordExporter implements LogRecordExporter {
  private own: DiskBufferedLogRecordExporter | undefined;
  private unavailable = false;
  private takenSlot: number | undefined;
  private readonly draining = new Map<number, DiskBufferedLogRecordExporter>();
  private adoptedSlots = 0;
  private directInFlight = 0;
  private dropped = 0;
  private readonly timer: NodeJS.Timeout;
  private closing = false;
  private shutdownOnce: Promise<void> | undefined;
  private readonly downstream: LogRecordExporter;
  // Drains share the downstream exporter; only this exporter's own shutdown may shut it down.
  private readonly shared: LogRecordExporter;

  constructor(private readonly options: SlottedDiskBufferOptions) {
    this.downstream = options.exporter;
    this.shared = {
      export: (records, cb) => this.downstream.export(records, cb),
      forceFlush: () => this.downstream.forceFlush?.() ?? Promise.resolve(),
      shutdown: () => Promise.resolve(),
    };
    this.adoptDeadSlots();
    this.timer = setInterval(() => this.adoptDeadSlots(), ADOPT_EVERY_MILLIS);
    this.timer.unref();
  }

  /**
   * As {@link DiskBufferedLogRecordExporter.exportsSettleWithoutFlush} once this process writes a
   * slot; false before, and without a WAL (exports then go to the downstream exporter directly).
   */
  get exportsSettleWithoutFlush(): boolean {
    return this.own !== undefined;
  }

  /** The slot this process writes, once it has logged; undefined before (or without a WAL). */
  get slot(): number | undefined {
    return this.takenSlot;
  }

  /** This process's buffer, once a slot is taken; undefined before, and without a WAL. */
  get buffer(): DiskBufferedLogRecordExporter | undefined {
    return this.own;
  }

  /** Slots whose backlog this process has delivered and released, since start. */
  get adopted(): number {
    return this.adoptedSlots;
  }

  /** As {@link DiskBufferedLogRecordExporter.export}, taking a slot first if none is held yet. */
  export(records: ReadableLogRecord[], resultCallback: (result: ExportResult) => void): void {
    const buffer = this.started();
    if (buffer) buffer.export(records, resultCallback);
    else this.downstream.export(records, resultCallback);
  }

  /**
   * As {@link DiskBufferedLogRecordExporter.exportSync}. Without a WAL, an asynchronous send; past
   * MAX_DIRECT_IN_FLIGHT sends the batch is dropped, counted in {@link droppedWithoutWal} and
   * reported to the global error handler (memory stays bounded while the downstream is slow).
   */
  exportSync(records: ReadableLogRecord[]): void {
    // No records (the processor's exit hand-over with nothing queued): only a slot already held
    // has anything to write; none is taken for it.
    if (records.length === 0) {
      this.own?.exportSync(records);
      return;
    }
    const buffer = this.started();
    if (buffer) {
      buffer.exportSync(records);
      return;
    }
    if (this.directInFlight >= MAX_DIRECT_IN_FLIGHT) {
      this.dropped += records.length;
      globalErrorHandler(
        new Error(
          `no write-ahead log: ${records.length} records dropped (${MAX_DIRECT_IN_FLIGHT} sends in flight)`,
        ),
      );
      return;
    }
    this.directInFlight++;
    this.downstream.export(records, () => this.directInFlight--);
  }

  /** Records `exportSync` dropped because there was no WAL and the downstream was behind. */
  get droppedWithoutWal(): number {
    return this.dropped;
  }

  async forceFlush(): Promise<void> {
    if (this.own) await this.own.forceFlush();
    else await this.downstream.forceFlush?.();
  }

  /** Shuts the adopted slots' drains down, then this slot's buffer (and the downstream). */
  shutdown(): Promise<void> {
    this.shutdownOnce ??= (async () => {
      this.closing = true;
      clearInterval(this.timer);
      await Promise.all([...this.draining.values()].map((d) => d.shutdown()));
      if (this.own) await this.own.shutdown();
      else await this.downstream.shutdown();
    })();
    return this.shutdownOnce;
  }

  /** This slot's stats; undefined until the first export has taken a slot. */
  getStats(): DiskBufferStats | undefined {
    return this.own?.getStats();
  }

  private started(): DiskBufferedLogRecordExporter | undefined {
    if (this.own || this.unavailable || this.closing) return this.own;
    const { maxSlots = DEFAULT_MAX_SLOTS, onUnavailable, ...rest } = this.options;
    let lastError: Error | undefined;
    for (let n = 0; n < maxSlots && !this.own; n++) {
      const directory = slotDirectory(this.options.directory, n);
      if (DirLock.heldByOther(directory)) continue;
      try {
        this.own = new DiskBufferedLogRecordExporter({ ...rest, directory });
        this.takenSlot = n;
      } catch (err) {
        lastError = err as Error;
        // Lost a race for this slot to another process: try the next one.
        if (!(err instanceof DirectoryLockedError)) break;
      }
    }
    if (!this.own) {
      this.unavailable = true;
      onUnavailable?.(lastError ?? new Error(`all ${maxSlots} slots are held by live processes`));
      return undefined;
    }
    return this.own;
  }

  private adoptDeadSlots(): void {
    const { maxSlots: _m, onUnavailable: _u, meterProvider: _p, ...rest } = this.options;
    for (const n of listSlots(this.options.directory)) {
      if (this.closing || n === this.takenSlot || this.draining.has(n)) continue;
      const directory = slotDirectory(this.options.directory, n);
      if (DirLock.heldByOther(directory) || !hasBacklog(directory)) continue;
      let drain: DiskBufferedLogRecordExporter;
      try {
        drain = new DiskBufferedLogRecordExporter({ ...rest, directory, exporter: this.shared });
      } catch {
        continue; // Another process took the slot first: its backlog is that process's now.
      }
      this.draining.set(n, drain);
      void this.drainThenRelease(n, drain);
    }
  }

  private async drainThenRelease(n: number, drain: DiskBufferedLogRecordExporter): Promise<void> {
    while (!this.closing) {
      await drain.forceFlush();
      const s = drain.getStats();
      if (!s.recovering && s.recordsPending === 0) break;
      await new Promise((r) => setTimeout(r, DRAIN_RETRY_MILLIS).unref());
    }
    await drain.shutdown();
    this.draining.delete(n);
    if (!this.closing) this.adoptedSlots++;
  }
}
