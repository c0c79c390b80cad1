import type { SeverityCounts } from './severity-counts';
import { type OpenSegment, walIo } from './wal-segment';

/*
 * The writes of the group commit (wal-writer.ts decides what goes in a round): frames contiguous
 * in one segment go in one writev, then, under 'always', one fdatasync per segment touched. A
 * failed write or sync fails its frames through `fail` (the writer cuts the segment back).
 */

export type FsyncMode = 'always' | 'never' | 'interval';
export type Done = (err?: Error) => void;

/** A frame assigned its place in a segment, waiting to be written. */
export interface Pending {
  seg: OpenSegment;
  offset: number;
  firstIndex: number;
  frame: Buffer;
  severities: SeverityCounts;
  done: Done;
}

/** Fails `group` (frames of `seg`, in offset order) after `err`. */
export type FailFrames = (seg: OpenSegment, group: Pending[], err: Error) => void;

/**
 * The FATAL path's common case (nothing else pending): one positional write, no grouping. Kept
 * apart from `writeRoundSync` because the per-emit budget is a few microseconds
 * (bench/disk-buffer). Returns the error that failed the frame (also given to `p.done`), so the
 * caller needs no callback of its own.
 */
export function writeOneSync(p: Pending, mode: FsyncMode, fail: FailFrames): Error | undefined {
  const seg = p.seg;
  const end = p.offset + p.frame.length;
  try {
    walIo.writeSync(seg.fd, p.frame, 0, p.frame.length, p.offset);
    seg.landed(p.offset, end);
    if (mode === 'always') seg.syncSync();
  } catch (err) {
    // Written but not durable under 'always' fails the frame too, as in writeRound.
    fail(seg, [p], err as Error);
    return err as Error;
  }
  p.done();
  return undefined;
}

/** A `done` for frames whose caller learns the outcome otherwise (`writeOneSync`'s result). */
export const ignoreDone: Done = () => {};

/** `writeRound`, synchronously, acknowledging the frames written (and synced under 'always'). */
export function writeRoundSync(batch: Pending[], mode: FsyncMode, fail: FailFrames): void {
  const touched = new Set<OpenSegment>();
  for (const group of groupBySegment(batch)) {
    const seg = group[0]!.seg;
    try {
      walIo.writevSync(
        seg.fd,
        group.map((p) => p.frame),
        group[0]!.offset,
      );
      seg.landed(group[0]!.offset, lastEnd(group));
      touched.add(seg);
    } catch (err) {
      fail(seg, group, err as Error);
    }
  }
  if (mode === 'always') {
    for (const seg of [...touched]) {
      try {
        seg.syncSync();
      } catch (err) {
        unsynced(seg, batch, touched, err as Error, fail);
      }
    }
  }
  for (const p of batch) if (touched.has(p.seg)) p.done();
}

/**
 * Writes `batch` (fdatasync under 'always'); resolves to the segments written. A segment counts
 * as in flight from the start of the round until its last write of the round lands: one retired
 * meanwhile (a later append opened the next) must not be closed under a write still to come. Once
 * written it may close (its closing sync covers the round's; `OpenSegment.sync` waits for it).
 */
export async function writeRound(
  batch: Pending[],
  mode: FsyncMode,
  fail: FailFrames,
): Promise<Set<OpenSegment>> {
  const groups = groupBySegment(batch);
  for (const group of groups) group[0]!.seg.inFlight++;
  const touched = new Set<OpenSegment>();
  // Under 'always' the bytes become readable (landed) only once synced: the sender reads up to
  // what landed, and a frame it had read before its sync failed would be delivered and counted
  // io_error both. Such a segment stays in flight until then, so it is not closed (and its bytes
  // declared landed) under the sync. (The synchronous paths need no such care: nothing runs
  // between their write and their sync.)
  const written: Pending[][] = [];
  for (const group of groups) {
    const seg = group[0]!.seg;
    let held = false;
    try {
      await walIo.writev(
        seg.fd,
        group.map((p) => p.frame),
        group[0]!.offset,
      );
      if (mode === 'always') {
        seg.wrote();
        written.push(group);
        held = true;
      } else {
        seg.landed(group[0]!.offset, lastEnd(group));
      }
      touched.add(seg);
    } catch (err) {
      fail(seg, group, err as Error);
    } finally {
      if (!held) seg.inFlight--;
    }
  }
  if (mode === 'always') {
    for (const seg of [...touched]) {
      const mine = written.filter((g) => g[0]!.seg === seg);
      try {
        await seg.sync();
        for (const group of mine) seg.landed(group[0]!.offset, lastEnd(group));
      } catch (err) {
        unsynced(seg, batch, touched, err as Error, fail);
      } finally {
        seg.inFlight -= mine.length;
      }
    }
  }
  return touched;
}

/** Written but not durable: under 'always' the frames of `batch` in `seg` fail (it is retired). */
function unsynced(
  seg: OpenSegment,
  batch: Pending[],
  touched: Set<OpenSegment>,
  err: Error,
  fail: FailFrames,
): void {
  touched.delete(seg);
  fail(
    seg,
    batch.filter((p) => p.seg === seg),
    err,
  );
}

function groupBySegment(batch: Pending[]): Pending[][] {
  const groups: Pending[][] = [];
  let current: Pending[] = [];
  for (const p of batch) {
    const prev = current[current.length - 1];
    if (
      prev !== undefined &&
      (prev.seg !== p.seg || prev.offset + prev.frame.length !== p.offset)
    ) {
      groups.push(current);
      current = [];
    }
    current.push(p);
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

function lastEnd(group: Pending[]): number {
  const last = group[group.length - 1]!;
  return last.offset + last.frame.length;
}
