import type { WhenFull } from '../types';
import type { Counters } from './counters';
import type { DiskSpace } from './disk-space';
import { writeFailureReason } from './errors';
import type { FileDeleter } from './file-deleter';
import type { Ledger, LedgerEntry } from './ledger';
import type { SeverityCounts } from './severity-counts';
import { SEGMENT_HEADER_BYTES } from './wal-format';

/*
 * Admission and eviction: every append asks `admit` first.
 *
 *   fits under maxDiskBytes and above minFreeBytes? ─ yes ─► accepted (counted)
 *     │ no: ask statfs again (the estimate may be stale)
 *     ▼
 *   drop_newest ─► refused: the batch counted `disk_full`
 *   drop_oldest ─► evict the oldest file not being written or verified, counting its undelivered
 *                  records `disk_full` by severity class; repeat until it fits (or nothing is left)
 *
 * An admitted append whose write, sync or segment creation then fails (`writeFailed`) is taken
 * back out of accepted: `disk_full` on ENOSPC or EDQUOT, `io_error` on any other error.
 */

export interface DiskCapOptions {
  ledger: Ledger;
  counters: Counters;
  space: DiskSpace;
  /** Deletes an evicted file (and takes it out of the ledger). */
  files: FileDeleter;
  maxDiskBytes: number;
  minFreeBytes: number;
  whenFull: WhenFull;
  /** The segment appends go to, which can be retired so that eviction may take it too. */
  writer: { readonly activeSeq: number | undefined; retireActive(): void };
  /** What an evicted file still held, and a sender to let go of it. */
  sender: {
    undelivered(entry: LedgerEntry): [number, SeverityCounts | undefined];
    evicted(seq: number): void;
  };
}

export class DiskCap {
  constructor(private readonly o: DiskCapOptions) {}

  /**
   * Makes room for a frame of `bytes` holding `count` records under the cap and the free-space
   * floor, evicting the oldest files with `drop_oldest`. True: the records are counted accepted.
   * False: refused, the records counted `disk_full`.
   */
  admit(bytes: number, count: number, severities: SeverityCounts): boolean {
    // No closure per call: this runs on every export and every FATAL emit.
    if (!this.fits(bytes)) {
      // The free-space estimate may be stale (space freed by others): ask statfs before dropping.
      this.o.space.refreshSync();
      while (!this.fits(bytes)) {
        if (this.o.whenFull === 'drop_newest' || !this.evictOldest()) {
          this.o.counters.drop('disk_full', count, severities);
          return false;
        }
      }
    }
    this.o.space.noteAppended(bytes);
    this.o.counters.accepted += count;
    return true;
  }

  private fits(bytes: number): boolean {
    const o = this.o;
    return (
      o.ledger.totalBytes() + bytes + SEGMENT_HEADER_BYTES <= o.maxDiskBytes &&
      o.space.freeBytes() - bytes >= o.minFreeBytes
    );
  }

  /**
   * An admitted append failed on disk: its records are lost after all, counted `disk_full` when
   * the disk or quota is full (ENOSPC, EDQUOT) and `io_error` otherwise (EIO, EROFS…).
   */
  writeFailed(err: Error, count: number, severities: SeverityCounts): void {
    this.o.counters.drop(writeFailureReason(err), count, severities);
    this.o.counters.accepted -= count;
    this.o.counters.error(err);
    this.o.space.refreshSync();
  }

  /** Deletes the oldest file that is not being written or verified, counting what it held. */
  private evictOldest(): boolean {
    const { ledger, writer } = this.o;
    const active = writer.activeSeq;
    let victim = ledger.sorted().find((e) => e.seq !== active && e.verified);
    const current = active === undefined ? undefined : ledger.get(active);
    if (victim === undefined && current !== undefined && current.records > 0) {
      // Only the segment being written is left: retire it so that it can go too.
      writer.retireActive();
      victim = current;
    }
    if (victim === undefined) return false;
    this.o.counters.drop('disk_full', ...this.o.sender.undelivered(victim));
    // Unlinked once closed: a held file would keep its blocks (FileHolds).
    this.o.files.evicted(victim);
    this.o.space.noteAppended(-victim.bytes);
    this.o.sender.evicted(victim.seq);
    return true;
  }
}
