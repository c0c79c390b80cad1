import * as fs from 'node:fs';
import type { SyncFrameCipher } from '@spillway/file-exporter';
import { afterReturn } from './after-return';
import type { FileHolds } from './file-holds';
import type { Ledger } from './ledger';
import {
  type Done,
  type FsyncMode,
  ignoreDone,
  type Pending,
  writeOneSync,
  writeRound,
  writeRoundSync,
} from './segment-writes';
import type { SeverityCounts } from './severity-counts';
import {
  ENCRYPTED_FRAME_HEADER_BYTES,
  FRAME_HEADER_BYTES,
  SEGMENT_HEADER_BYTES,
  SEGMENT_VERSION_ENCRYPTED,
  sealEncryptedFrame,
  sealFrame,
  TAG_BYTES,
} from './wal-format';
import { createSegmentFile, OpenSegment, WalDirectory, walIo } from './wal-segment';

/*
 * Group commit:
 *
 *   export() ─► append(): seq/offset/index assigned at once, frame queued ─┐
 *   export() ─► append() ──────────────────────────────────────────────────┤ pending
 *                                                                          ▼
 *   flush loop: take all pending ─► writev per segment ─► fdatasync ('always') ─► callbacks,
 *               run once the next round's writes are under way (appends arriving meanwhile wait
 *               for the next round: one fsync serves them all)
 *
 * exportSync() ─► appendSync(): its frame alone with one positional writeSync, or the pending
 * frames and its own with one positional writevSync per segment (into the page cache, so a
 * process death after it returns loses none of them); then fdatasync before returning under
 * 'always' only, the interval timer's next sync under 'interval'.
 * Positions were fixed at append, so it never overlaps a write in flight: a round still in flight
 * lands before it (`landed` keeps the order) or, after a kill, leaves a hole the reader resyncs past.
 * The writes themselves are segment-writes.ts; each segment's sizes are ledger transitions.
 */

export type { Done, FsyncMode } from './segment-writes';

export interface WalWriterOptions {
  directory: string;
  ledger: Ledger;
  holds: FileHolds;
  mode: FsyncMode;
  intervalMillis: number;
  segmentBytes: number;
  firstSeq: number;
  /** Called whenever more bytes become readable or a segment closes. */
  onWritten: () => void;
  /** A sync or close that no append waits for failed (for the stats' last error). */
  onError: (err: Error) => void;
  /** A queued frame's write failed: it is not in the WAL (drop any copy kept of it). */
  onFrameFailed?: (seq: number, offset: number) => void;
  /**
   * Encrypt every frame with the active key (segments of version 2). Synchronous (node:crypto):
   * `appendSync` must have written its frame before it returns.
   */
  cipher?: SyncFrameCipher | undefined;
}

/** Bytes an encrypted frame adds to a plain one: the longer header and the GCM tag. */
const ENCRYPTION_OVERHEAD = ENCRYPTED_FRAME_HEADER_BYTES - FRAME_HEADER_BYTES + TAG_BYTES;

/** Where an appended frame goes: its segment and its byte range there (as stored). */
export interface FramePosition {
  seq: number;
  offset: number;
  end: number;
}

export class WalWriter {
  private active: OpenSegment | undefined;
  private readonly open = new Set<OpenSegment>();
  private pending: Pending[] = [];
  private flushing = false;
  private notifyQueued = false;
  private idleWaiters: Array<() => void> = [];
  private nextSeq: number;
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly dir: WalDirectory;

  constructor(private readonly o: WalWriterOptions) {
    this.nextSeq = o.firstSeq;
    this.dir = new WalDirectory(o.directory);
    if (o.mode === 'interval') {
      this.timer = setInterval(() => void this.syncDirty(), o.intervalMillis);
      this.timer.unref();
    }
  }

  /** Seq of the segment appends go to now (opening it when needed). */
  get activeSeq(): number | undefined {
    return this.active?.entry.seq;
  }

  /**
   * Queues `frame` (header space included, sealed here); `done` runs once it is written (and
   * fsynced under 'always'). Throws only when no segment can be created (e.g. ENOSPC).
   */
  append(frame: Buffer, count: number, severities: SeverityCounts, done: Done): FramePosition {
    const p = this.assign(frame, count, severities, done);
    this.pending.push(p);
    if (!this.flushing) {
      this.flushing = true;
      // Defer one microtask so that appends made in the same tick share the first write.
      queueMicrotask(() => void this.loop());
    }
    return { seq: p.seg.entry.seq, offset: p.offset, end: p.offset + p.frame.length };
  }

  /**
   * Writes every pending frame and `frame` synchronously (page cache: a process death loses none),
   * fdatasyncing them before returning under 'always' only; under 'interval' the timer's next sync
   * covers them (`landed` marks the segment dirty). Pending frames are acknowledged as by a round.
   * Throws if `frame` is not written (or, under 'always', not synced).
   */
  appendSync(frame: Buffer, count: number, severities: SeverityCounts): FramePosition {
    let failure: Error | undefined;
    const own = this.assign(frame, count, severities, ignoreDone);
    if (this.pending.length === 0) {
      // No callback allocated on the FATAL path: the write's outcome is its return value.
      failure = writeOneSync(own, this.o.mode, this.fail);
    } else {
      own.done = (err) => {
        failure = err;
      };
      const batch = this.pending;
      this.pending = [];
      batch.push(own);
      writeRoundSync(batch, this.o.mode, this.fail);
    }
    if (this.retiredOpen()) void this.closeRetired();
    this.notifySoon();
    if (failure) throw failure;
    return { seq: own.seg.entry.seq, offset: own.offset, end: own.offset + own.frame.length };
  }

  /**
   * Writes every pending frame (appended, its round not started) synchronously, as `appendSync`
   * does before its own frame: for the exit hand-over with nothing else to write. A round already
   * under way is the kernel's. Throws nothing: a failed write fails its frames (their callbacks).
   */
  writePendingSync(): void {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    writeRoundSync(batch, this.o.mode, this.fail);
    if (this.retiredOpen()) void this.closeRetired();
    this.notifySoon();
  }

  /**
   * `onWritten` (wake the sender, maybe spill) once per tick rather than once per synchronous
   * write: neither can act before the caller yields, and both cost time on the emit path (this
   * runs on every FATAL emit: after-return.ts).
   */
  private notifySoon(): void {
    if (this.notifyQueued) return;
    this.notifyQueued = true;
    afterReturn(this.notifyNow);
  }

  private readonly notifyNow = (): void => {
    this.notifyQueued = false;
    try {
      this.o.onWritten();
    } catch (err) {
      // A throw here would be an unhandled rejection (it ends the app): reported instead.
      this.o.onError(err as Error);
    }
  };

  /**
   * Whether a retired segment is still open (to close). Every open segment but `active` is
   * retired (rotate, retireActive, close and fail all retire the one they take out of `active`),
   * so this is a count, not a walk of `open`.
   */
  private retiredOpen(): boolean {
    return this.open.size > (this.active === undefined || this.active.retired ? 0 : 1);
  }

  /** Resolves when everything appended so far is written and, unless 'never', fsynced. */
  async flush(): Promise<void> {
    if (this.flushing) await new Promise<void>((r) => this.idleWaiters.push(r));
    await this.syncDirty();
  }

  /** Retires the active segment (it closes once its writes land); the next append opens a new one. */
  retireActive(): void {
    if (this.active === undefined) return;
    this.active.retired = true;
    this.active = undefined;
    void this.closeRetired();
  }

  /** Flushes, then closes every segment; later appends open a new one. */
  async close(): Promise<void> {
    await this.flush();
    if (this.timer) clearInterval(this.timer);
    if (this.active) this.active.retired = true;
    this.active = undefined;
    await this.closeRetired();
    this.dir.close();
  }

  private assign(plain: Buffer, count: number, severities: SeverityCounts, done: Done): Pending {
    const cipher = this.o.cipher;
    const stored = plain.length + (cipher ? ENCRYPTION_OVERHEAD : 0);
    let seg = this.active;
    if (
      seg === undefined ||
      seg.retired ||
      (seg.entry.records > 0 && seg.entry.bytes + stored > this.o.segmentBytes)
    ) {
      seg = this.rotate();
    }
    let frame = plain;
    if (cipher) frame = sealEncryptedFrame(plain, count, seg.entry.records, cipher);
    else sealFrame(frame, count, seg.entry.records);
    const p: Pending = {
      seg,
      offset: seg.entry.bytes,
      firstIndex: seg.entry.records,
      frame,
      severities,
      done,
    };
    this.o.ledger.appended(seg.entry, frame.length, count, severities);
    return p;
  }

  /** Retires the active segment and creates the next one (synchronously: one open + 32 bytes). */
  private rotate(): OpenSegment {
    if (this.active) {
      this.active.retired = true;
      this.active = undefined;
      void this.closeRetired();
    }
    const { seq, path, fd } = createSegmentFile(
      this.o.directory,
      this.nextSeq,
      this.o.cipher ? SEGMENT_VERSION_ENCRYPTED : undefined,
    );
    this.nextSeq = seq + 1;
    this.o.holds.hold(path);
    const entry = this.o.ledger.created(
      seq,
      path,
      SEGMENT_HEADER_BYTES,
      this.o.cipher !== undefined,
    );
    const seg = new OpenSegment(entry, fd, this.dir, this.o.ledger);
    this.open.add(seg);
    this.active = seg;
    return seg;
  }

  /**
   * Writes rounds until nothing is pending. Pipelined by one round: the frames of a round are
   * acknowledged once the next round's writes are under way, so the exports those callbacks
   * trigger are encoded on the event loop while the disk works on the round before.
   */
  private async loop(): Promise<void> {
    let written: Pending[] = [];
    let touched = new Set<OpenSegment>();
    for (;;) {
      const batch = this.pending;
      this.pending = [];
      const round = batch.length > 0 ? writeRound(batch, this.o.mode, this.fail) : undefined;
      for (const p of written) if (touched.has(p.seg)) p.done();
      written = [];
      if (round === undefined) {
        if (this.pending.length > 0) continue;
        break;
      }
      touched = await round;
      written = batch;
      this.o.onWritten();
      await this.closeRetired();
    }
    this.flushing = false;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /**
   * A write or, under 'always', a sync failed (ENOSPC, EIO): its frames fail, the segment is cut
   * back to before them and retired, so the next append starts a fresh segment.
   */
  private readonly fail = (seg: OpenSegment, group: Pending[], err: Error): void => {
    const failed = new Set(group);
    for (const p of this.pending) if (p.seg === seg) failed.add(p);
    this.pending = this.pending.filter((p) => p.seg !== seg);
    const first = group[0]!;
    const last = group[group.length - 1]!;
    // Cut only when nothing after the group has landed: a failed write landed none of it, a failed
    // sync all of it. The bytes of an unsynced frame are readable, so without the cut the sender
    // would deliver records already counted lost and called back FAILED.
    if (seg.writtenTo(first.offset) || seg.writtenTo(last.offset + last.frame.length)) {
      try {
        fs.ftruncateSync(seg.fd, first.offset);
        this.o.ledger.landed(seg.entry, first.offset);
        this.o.ledger.cutBack(
          seg.entry,
          first.offset,
          first.firstIndex,
          [...failed].map((p) => p.severities),
        );
      } catch {
        // The reader skips the torn bytes and counts them; nothing more to do here.
      }
    }
    seg.retired = true;
    if (this.active === seg) this.active = undefined;
    for (const p of failed) {
      this.o.onFrameFailed?.(seg.entry.seq, p.offset);
      p.done(err);
    }
  };

  private async syncDirty(): Promise<void> {
    if (this.o.mode === 'never') return;
    for (const seg of this.open) {
      try {
        await seg.sync();
      } catch {
        // An fsync failure surfaces again at close; the interval timer must not throw.
      }
    }
  }

  private async closeRetired(): Promise<void> {
    for (const seg of [...this.open]) {
      // `open` is re-checked: another closeRetired may have taken this segment during an await.
      if (!this.open.has(seg) || !seg.retired || seg.inFlight > 0) continue;
      if (this.pending.some((p) => p.seg === seg)) continue;
      this.open.delete(seg);
      if (seg.entry.written < seg.entry.bytes) this.o.ledger.landed(seg.entry, seg.entry.bytes);
      // Often called with `void`: a rejection would be unhandled and end the app. A failed sync
      // has already failed the frames of any round that waited for it; readers verify whatever
      // reached the file.
      try {
        if (this.o.mode !== 'never') await seg.sync();
      } catch (err) {
        this.o.onError(err as Error);
      }
      try {
        await walIo.close(seg.fd);
      } catch (err) {
        this.o.onError(err as Error);
      }
      this.o.holds.release(seg.entry.path);
      this.o.ledger.closed(seg.entry);
      this.o.onWritten();
    }
  }
}
