import { addCounts, emptyCounts, type SeverityCounts } from './severity-counts';

/**
 * The files under the buffer directory that hold undelivered records, by sequence number. One
 * sequence number names one segment, which is either a WAL file or, after spilling, a spill file.
 * Delivery is in seq order; within a file, in file order.
 *
 * The ledger is the one owner of this state: other modules read entries (readonly views) and
 * report what happened through the transitions below, named after the event. Files themselves are
 * deleted by FileDeleter (file-deleter.ts), which makes the matching transition in the same step.
 *
 *   created / listedSegment ─► appended* ─► landed* ─► closed ─┬─► spilled (spill entry, same seq)
 *   (recovered: scanStarted ─► recordsFound* ─► cut? ─► verified) ├─► delivered | gaveUp | lost
 *   listedSpill ─► recordsFound ─► verified                        ├─► held (undecryptable)
 *                                                                  └─► evicted (disk cap)
 */

/** What the ledger knows of every file, WAL segment or spill file. */
interface FileEntry {
  readonly seq: number;
  readonly path: string;
  /**
   * Bytes on disk: a segment's once every assigned write lands (header included), a spill
   * file's with its index.
   */
  readonly bytes: number;
  /** Records in the file (valid ones, for recovered files). */
  readonly records: number;
  /** Recovered from a previous run: verified by the background scan before it is read. */
  readonly scanned: Promise<void> | undefined;
  /** Written in this run, or its recovery scan finished. */
  readonly verified: boolean;
  readonly evicted: boolean;
  /** Records per severity class, for files written in this run (undefined: not known). */
  readonly severities: Readonly<SeverityCounts> | undefined;
}

export interface WalEntry extends FileEntry {
  readonly kind: 'wal';
  /** Readable end: every byte before it is written. */
  readonly written: number;
  /** No more appends; the sender may delete it once read to `written`. */
  readonly closed: boolean;
  /** Segment version 2 (encrypted frames only); undefined when its header is damaged. */
  readonly encrypted?: boolean | undefined;
}

/** A spill file: `path` is the `.zst` file, its `.idx` sidecar beside it. */
export interface SpillEntry extends FileEntry {
  readonly kind: 'spill';
}

export type LedgerEntry = WalEntry | SpillEntry;

/** What the spiller wrote for a segment: the spill file that takes the segment's seq. */
export interface SpilledFile {
  path: string;
  bytes: number;
  records: number;
  severities: SeverityCounts;
}

type Writable<E> = { -readonly [K in keyof E]: E[K] } & { severities: SeverityCounts | undefined };

/** Entries are created only here, so every view handed out is one of these objects. */
function w<E extends LedgerEntry>(entry: E): Writable<E> {
  return entry as unknown as Writable<E>;
}

export class Ledger {
  private readonly entries = new Map<number, LedgerEntry>();
  /**
   * The sum of every entry's `bytes`, kept by the transitions: the disk cap reads it on every
   * append, FATAL emits included, and a long outage leaves hundreds of files to sum.
   */
  private bytesTotal = 0;

  get(seq: number): LedgerEntry | undefined {
    return this.entries.get(seq);
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
    return this.bytesTotal;
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

  /** The writer created segment `seq` (its header of `headerBytes` written): open for appends. */
  created(seq: number, path: string, headerBytes: number, encrypted: boolean): WalEntry {
    return this.add<WalEntry>({
      kind: 'wal',
      seq,
      path,
      bytes: headerBytes,
      records: 0,
      written: headerBytes,
      closed: false,
      scanned: undefined,
      verified: true,
      evicted: false,
      severities: emptyCounts(),
      encrypted,
    });
  }

  /** Start-up found a segment of a previous run: closed, its records counted by its scan. */
  listedSegment(
    seq: number,
    path: string,
    bytes: number,
    encrypted: boolean | undefined,
  ): WalEntry {
    return this.add<WalEntry>({
      kind: 'wal',
      seq,
      path,
      bytes,
      records: 0,
      written: bytes,
      closed: true,
      scanned: undefined,
      verified: false,
      evicted: false,
      severities: undefined,
      encrypted,
    });
  }

  /** Start-up found a spill file of a previous run: its records counted from its index. */
  listedSpill(seq: number, path: string, bytes: number): SpillEntry {
    return this.add<SpillEntry>({
      kind: 'spill',
      seq,
      path,
      bytes,
      records: 0,
      scanned: undefined,
      verified: false,
      evicted: false,
      severities: undefined,
    });
  }

  /** A frame of `records` records, `bytes` bytes as stored, was assigned the end of `entry`. */
  appended(entry: WalEntry, bytes: number, records: number, severities: SeverityCounts): void {
    const e = w(entry);
    addCounts(e.severities!, severities);
    this.resize(e, e.bytes + bytes);
    e.records += records;
  }

  /**
   * A write failed and the segment was cut back to `bytes` holding `records` records; `lost`
   * are the severities of the frames that failed.
   */
  cutBack(entry: WalEntry, bytes: number, records: number, lost: SeverityCounts[]): void {
    const e = w(entry);
    this.resize(e, bytes);
    e.records = records;
    for (const s of lost) addCounts(e.severities!, s, -1);
  }

  /** Every byte of `entry` before `end` is written (readable). */
  landed(entry: WalEntry, end: number): void {
    w(entry).written = end;
  }

  /** The writer closed the segment: no more appends, all of it readable. */
  closed(entry: WalEntry): void {
    w(entry).closed = true;
  }

  /** The background scan of a recovered file will settle `scanned`. */
  scanStarted(entry: LedgerEntry, scanned: Promise<void>): void {
    w(entry).scanned = scanned;
  }

  /** The recovery scan found `records` more valid records in `entry`. */
  recordsFound(entry: LedgerEntry, records: number): void {
    w(entry).records += records;
  }

  /** The recovery scan cut a torn tail: the file now ends at `end` (0: the file was gone). */
  cut(entry: WalEntry, end: number): void {
    const e = w(entry);
    this.resize(e, end);
    e.written = end;
  }

  /** The recovery scan of `entry` is over, whatever it found: sender and spiller may use it. */
  verified(entry: LedgerEntry): void {
    w(entry).verified = true;
  }

  /** Segment `seg` was rewritten as a spill file, which now holds its seq. */
  spilled(seg: WalEntry, file: SpilledFile): SpillEntry {
    return this.add<SpillEntry>({
      kind: 'spill',
      seq: seg.seq,
      path: file.path,
      bytes: file.bytes,
      records: file.records,
      scanned: undefined,
      verified: true,
      evicted: false,
      severities: file.severities,
    });
  }

  /** The disk cap evicted the file: anyone still reading it stops at its next step. */
  evicted(entry: LedgerEntry): void {
    w(entry).evicted = true;
    this.remove(entry);
  }

  /** Every record of the file was delivered (or dropped and counted). */
  delivered(entry: LedgerEntry): void {
    this.remove(entry);
  }

  /** The sender gave the file up after repeated read failures (its records counted). */
  gaveUp(entry: LedgerEntry): void {
    this.remove(entry);
  }

  /** The file was deleted underneath the buffer (its records counted). */
  lost(entry: LedgerEntry): void {
    this.remove(entry);
  }

  /**
   * The file cannot be decrypted with the keys given: out of the ledger, never read, spilled,
   * evicted or deleted by this run (its seq is not reused: appends go after every listed seq).
   */
  held(entry: LedgerEntry): void {
    this.remove(entry);
  }

  /** Adds `entry`, in place of the entry of its seq if any (a spill file replaces its segment). */
  private add<E extends LedgerEntry>(entry: E): E {
    const replaced = this.entries.get(entry.seq);
    if (replaced !== undefined) this.bytesTotal -= replaced.bytes;
    this.entries.set(entry.seq, entry);
    this.bytesTotal += entry.bytes;
    return entry;
  }

  /** Takes out the entry of `entry`'s seq (whichever it is now, as a deletion by seq does). */
  private remove(entry: LedgerEntry): void {
    const current = this.entries.get(entry.seq);
    if (current === undefined) return;
    this.entries.delete(entry.seq);
    this.bytesTotal -= current.bytes;
  }

  /** Sets `e.bytes`; the total follows only while `e` is listed (not after its removal). */
  private resize(e: Writable<LedgerEntry>, bytes: number): void {
    if (this.entries.get(e.seq) === e) this.bytesTotal += bytes - e.bytes;
    e.bytes = bytes;
  }
}
