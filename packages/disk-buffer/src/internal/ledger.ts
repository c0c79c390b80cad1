import type { SeverityCounts } from './severity-counts';

/**
 * The files under the buffer directory that hold undelivered records, by sequence number. One
 * sequence number names one segment, which is either a WAL file or, after spilling, a spill file.
 * Delivery is in seq order; within a file, in file order.
 */

export interface WalEntry {
  kind: 'wal';
  seq: number;
  path: string;
  /** Bytes on disk once every assigned write lands (header included). */
  bytes: number;
  /** Records in the file (valid ones, for recovered files). */
  records: number;
  /** Readable end: every byte before it is written. */
  written: number;
  /** No more appends; the sender may delete it once read to `written`. */
  closed: boolean;
  /** Recovered from a previous run: verified by the background scan before it is read. */
  scanned: Promise<void> | undefined;
  /** Written in this run, or its recovery scan finished. */
  verified: boolean;
  evicted: boolean;
  /** Records per severity class, for files written in this run (undefined: not known). */
  severities: SeverityCounts | undefined;
  /** Segment version 2 (encrypted frames only); undefined when its header is damaged. */
  encrypted?: boolean | undefined;
}

export interface SpillEntry {
  kind: 'spill';
  seq: number;
  /** The `.zst` file (its `.idx` sidecar beside it). */
  path: string;
  /** The compressed file plus its index. */
  bytes: number;
  records: number;
  /** Recovered from a previous run: its record count is read from the index in the background. */
  scanned: Promise<void> | undefined;
  verified: boolean;
  evicted: boolean;
  severities: SeverityCounts | undefined;
}

export type LedgerEntry = WalEntry | SpillEntry;

export class Ledger {
  private readonly entries = new Map<number, LedgerEntry>();

  get(seq: number): LedgerEntry | undefined {
    return this.entries.get(seq);
  }

  set(entry: LedgerEntry): void {
    this.entries.set(entry.seq, entry);
  }

  delete(seq: number): void {
    this.entries.delete(seq);
  }

  /** Entries in seq order. */
  sorted(): LedgerEntry[] {
    return [...this.entries.values()].sort((a, b) => a.seq - b.seq);
  }

  /** The first entry with seq ≥ `seq`. */
  atOrAfter(seq: number): LedgerEntry | undefined {
    let best: LedgerEntry | undefined;
    for (const e of this.entries.values()) {
      if (e.seq >= seq && (best === undefined || e.seq < best.seq)) best = e;
    }
    return best;
  }

  totalBytes(): number {
    let n = 0;
    for (const e of this.entries.values()) n += e.bytes;
    return n;
  }

  totals(): { walRecords: number; walBytes: number; spillRecords: number; spillBytes: number } {
    const t = { walRecords: 0, walBytes: 0, spillRecords: 0, spillBytes: 0 };
    for (const e of this.entries.values()) {
      if (e.kind === 'wal') {
        t.walRecords += e.records;
        t.walBytes += e.bytes;
      } else {
        t.spillRecords += e.records;
        t.spillBytes += e.bytes;
      }
    }
    return t;
  }
}
