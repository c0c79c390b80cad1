import * as fs from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FileDeleter } from './file-deleter';
import type { Ledger, WalEntry } from './ledger';
import { encodeSegmentHeader, SEGMENT_HEADER_BYTES, segmentFileName } from './wal-format';

/**
 * The file calls of the WAL that a test may hold back, count or fail (an object, so it can): the
 * appends' writes and syncs, and the closes.
 */
export const walIo = {
  writev: promisify(fs.writev),
  writeSync: fs.writeSync,
  writevSync: fs.writevSync,
  fdatasync: promisify(fs.fdatasync),
  fdatasyncSync: fs.fdatasyncSync,
  fsync: promisify(fs.fsync),
  close: promisify(fs.close),
};

/**
 * Creates the segment file of the first free seq from `seq` and writes its header. A name taken by
 * something else (a directory made under a segment name, say) is left alone and its seq skipped:
 * the writer never stops on a foreign file.
 */
export function createSegmentFile(
  directory: string,
  seq: number,
  version?: number,
): { seq: number; path: string; fd: number } {
  for (let s = seq; ; s++) {
    const path = join(directory, segmentFileName(s));
    let fd: number;
    try {
      fd = fs.openSync(path, 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST' && s - seq < 16) continue;
      throw err;
    }
    try {
      fs.writeSync(fd, encodeSegmentHeader(s, Date.now(), version), 0, SEGMENT_HEADER_BYTES, 0);
    } catch (err) {
      fs.closeSync(fd);
      FileDeleter.leftover(path);
      throw err;
    }
    return { seq: s, path, fd };
  }
}

/** The WAL directory, fsynced so that a new segment's directory entry is durable. */
export class WalDirectory {
  private fd: number | undefined;

  constructor(private readonly path: string) {}

  async sync(): Promise<void> {
    this.fd ??= fs.openSync(this.path, 'r');
    await walIo.fsync(this.fd);
  }

  syncSync(): void {
    this.fd ??= fs.openSync(this.path, 'r');
    fs.fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}

/** One segment file open for appends: which of its bytes have landed, and its syncs. */
export class OpenSegment {
  /** Writes in flight to this file. */
  inFlight = 0;
  /** No more appends: it closes once its writes land. */
  retired = false;
  /** Written ranges that landed ahead of `entry.written` (offset → end). */
  private readonly ahead = new Map<number, number>();
  /** Bytes landed since the last sync started. */
  private dirty = true;
  /** Created and its directory entry not yet fsynced. */
  private fresh = true;
  /** The fdatasync in flight, if any: it covers every write that landed before it started. */
  private syncing: Promise<void> | undefined;

  constructor(
    readonly entry: WalEntry,
    readonly fd: number,
    private readonly dir: WalDirectory,
    private readonly ledger: Ledger,
  ) {}

  /**
   * Bytes were written that are not to be readable yet (under 'always', until synced): the next
   * `sync` must cover them. {@link landed} follows once they are.
   */
  wrote(): void {
    this.dirty = true;
  }

  /** Bytes `offset..end` are written: advances `entry.written` over every contiguous range. */
  landed(offset: number, end: number): void {
    this.dirty = true;
    if (offset !== this.entry.written) {
      this.ahead.set(offset, end);
      return;
    }
    let written = end;
    for (let next = this.ahead.get(end); next !== undefined; next = this.ahead.get(next)) {
      this.ahead.delete(written);
      written = next;
    }
    this.ledger.landed(this.entry, written);
  }

  /** True when every byte before `offset`, and none after it, has landed. */
  writtenTo(offset: number): boolean {
    return this.ahead.size === 0 && this.entry.written === offset;
  }

  /**
   * Resolves once every write that landed before the call is durable. A sync already in flight is
   * awaited rather than skipped: it may have cleared `dirty` for the caller's writes.
   */
  async sync(): Promise<void> {
    if (!this.dirty) {
      if (this.syncing) await this.syncing;
      return;
    }
    this.dirty = false;
    const sync = this.syncNow();
    this.syncing = sync;
    try {
      await sync;
    } finally {
      if (this.syncing === sync) this.syncing = undefined;
    }
  }

  /** `sync`, synchronously (it covers everything landed, whatever is in flight). */
  syncSync(): void {
    walIo.fdatasyncSync(this.fd);
    this.dirty = false;
    if (this.fresh) {
      this.fresh = false;
      this.dir.syncSync();
    }
  }

  private async syncNow(): Promise<void> {
    // A later sync also waits for this one: each covers the writes that landed before it started.
    const previous = this.syncing;
    await walIo.fdatasync(this.fd);
    if (previous) await previous;
    if (this.fresh) {
      this.fresh = false;
      await this.dir.sync();
    }
  }
}
