import * as fs from 'node:fs';
import { join } from 'node:path';
import type { Position } from './batch-source';
import type { Checkpoint } from './checkpoint';
import type { Counters } from './counters';
import { FrameReader } from './frame-reader';
import type { Ledger, SpillEntry, WalEntry } from './ledger';
import { Spiller } from './spiller';
import {
  type FrameHeader,
  parseSegmentFileName,
  parseSegmentHeader,
  SEGMENT_HEADER_BYTES,
} from './wal-format';

/*
 * Recovery, in two steps so that a large backlog never delays the app:
 *   1. at construction (synchronous, one readdir + stat per file): list segments into the ledger,
 *      drop leftover temp files; new appends go to a fresh segment after the last seq;
 *   2. in the background (async 1 MiB reads): verify every frame of every old segment in seq
 *      order, count the records, count and skip corrupt frames, cut torn or garbage tails.
 *      The sender awaits a segment's scan before reading it.
 */

export interface ListedDirectory {
  /** Seq for the first new segment. */
  nextSeq: number;
  /** Old segments, in seq order. */
  segments: WalEntry[];
}

/** Step 1: the segments left by a previous run, registered in `ledger` as closed and unscanned. */
export function listSegments(
  directory: string,
  ledger: Ledger,
  extraSeqs: number[],
): ListedDirectory {
  let maxSeq = Math.max(0, ...extraSeqs);
  const segments: WalEntry[] = [];
  for (const name of fs.readdirSync(directory)) {
    if (name.endsWith('.tmp')) {
      fs.rmSync(join(directory, name), { force: true });
      continue;
    }
    const seq = parseSegmentFileName(name);
    if (seq === undefined) continue;
    maxSeq = Math.max(maxSeq, seq);
    if (ledger.get(seq) !== undefined) {
      // A spill of this segment completed (renamed into place) before the crash: the spill wins.
      fs.rmSync(join(directory, name), { force: true });
      continue;
    }
    const path = join(directory, name);
    const size = fs.statSync(path).size;
    const entry: WalEntry = {
      kind: 'wal',
      seq,
      path,
      bytes: size,
      records: 0,
      written: size,
      closed: true,
      scanned: undefined,
      verified: false,
      evicted: false,
      severities: undefined,
    };
    segments.push(entry);
    ledger.set(entry);
  }
  segments.sort((a, b) => a.seq - b.seq);
  return { nextSeq: maxSeq + 1, segments };
}

/** Where to resume in the checkpoint's segment and how many of its records were delivered. */
export interface ScanResult {
  resumeOffset: number;
  deliveredBefore: number;
}

/**
 * Step 2 for one segment. Fills `entry.records`; counts corrupt records exactly from the record
 * indexes on both sides of a damaged range (from the damaged headers when it is the tail).
 */
export async function scanSegment(
  entry: WalEntry,
  counters: Counters,
  checkpoint: Checkpoint | undefined,
): Promise<ScanResult> {
  const result: ScanResult = { resumeOffset: SEGMENT_HEADER_BYTES, deliveredBefore: 0 };
  const cpOffset =
    checkpoint?.kind === 'wal' && checkpoint.seq === entry.seq ? checkpoint.position : 0;
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(entry.path, 'r+');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      entry.bytes = 0;
      entry.written = 0;
      return result;
    }
    throw err;
  }
  try {
    const head = Buffer.alloc(SEGMENT_HEADER_BYTES);
    await fh.read(head, 0, SEGMENT_HEADER_BYTES, 0);
    // A damaged header costs nothing: frames verify themselves. It is only noted as corrupt bytes.
    if (parseSegmentHeader(head) !== entry.seq) counters.corruptFrames++;
    const reader = new FrameReader(fh, SEGMENT_HEADER_BYTES);
    const limit = entry.bytes;
    let expectedIndex = 0;
    let cutAt: number | undefined;
    for (;;) {
      const r = await reader.next(limit);
      if (r === null) break;
      if (r.kind === 'frame') {
        if (r.header.firstIndex > expectedIndex && entry.records > 0) {
          // A gap without damaged bytes cannot happen in one writer's file; count it as lost.
          counters.drop('corrupt', r.header.firstIndex - expectedIndex);
        }
        if (r.end <= cpOffset) {
          result.resumeOffset = r.end;
          result.deliveredBefore += r.header.count;
        }
        entry.records += r.header.count;
        expectedIndex = r.header.firstIndex + r.header.count;
        continue;
      }
      if (r.kind === 'incomplete') {
        cutAt = r.offset;
        break;
      }
      counters.corruptFrames++;
      if (r.tail) {
        counters.drop('corrupt', sumCounts(r.damagedHeaders, expectedIndex));
        cutAt = r.offset;
        break;
      }
      const next = await peekIndex(reader, limit);
      if (next !== undefined && next > expectedIndex)
        counters.drop('corrupt', next - expectedIndex);
      else counters.drop('corrupt', sumCounts(r.damagedHeaders, expectedIndex));
      if (next !== undefined) expectedIndex = next;
    }
    if (cutAt !== undefined) {
      counters.truncatedBytes += limit - cutAt;
      await fh.truncate(cutAt);
      await fh.datasync();
      entry.bytes = cutAt;
      entry.written = cutAt;
    }
  } finally {
    await fh.close();
  }
  return result;
}

/** The first record index of the frame the reader stands on (it resynced to a valid one). */
async function peekIndex(reader: FrameReader, limit: number): Promise<number | undefined> {
  const at = reader.pos;
  const r = await reader.next(limit);
  reader.pos = at;
  return r?.kind === 'frame' ? r.header.firstIndex : undefined;
}

/** Records of the damaged headers that follow on from `expectedIndex` (a best estimate). */
function sumCounts(headers: FrameHeader[], expectedIndex: number): number {
  let n = 0;
  let at = expectedIndex;
  for (const h of headers) {
    if (h.firstIndex !== at) continue;
    n += h.count;
    at += h.count;
  }
  return n;
}

/**
 * Where the sender starts: the checkpoint when it names a file that still exists, else the oldest
 * file (a missing, damaged or stale checkpoint costs redelivery, never loss).
 */
export function startPosition(
  ledger: Ledger,
  checkpoint: Checkpoint | undefined,
  nextSeq: number,
): Position {
  const oldest = ledger.sorted()[0];
  if (oldest === undefined) return { seq: nextSeq, offset: SEGMENT_HEADER_BYTES, doneInFile: 0 };
  const start: Position = {
    seq: oldest.seq,
    offset: oldest.kind === 'wal' ? SEGMENT_HEADER_BYTES : 0,
    doneInFile: 0,
  };
  // A checkpoint older than every file is stale: start at the oldest.
  if (checkpoint === undefined || checkpoint.seq < oldest.seq) return start;
  const at = ledger.atOrAfter(checkpoint.seq);
  if (at === undefined) return { seq: nextSeq, offset: SEGMENT_HEADER_BYTES, doneInFile: 0 };
  start.seq = at.seq;
  if (at.seq === checkpoint.seq && at.kind === checkpoint.kind) {
    // A WAL offset is adjusted to a frame boundary (and its records counted) by the scan.
    start.offset = checkpoint.position;
    start.doneInFile = at.kind === 'spill' ? checkpoint.position : 0;
  } else {
    start.offset = at.kind === 'wal' ? SEGMENT_HEADER_BYTES : 0;
  }
  return start;
}

export interface RecoveryHooks {
  onStart: () => void;
  onDone: () => void;
  /** The scan of the checkpoint's segment found where to resume in it. */
  onResume: (seq: number, result: ScanResult) => void;
}

/**
 * Step 2 for every old file, one at a time in seq order (spill files: their record counts from the
 * index). Each entry's `scanned` promise resolves when it is verified; the sender awaits it.
 */
export function recoverInBackground(
  spills: SpillEntry[],
  segments: WalEntry[],
  counters: Counters,
  checkpoint: Checkpoint | undefined,
  hooks: RecoveryHooks,
): Promise<void> {
  let chain = Promise.resolve();
  const step = (entry: WalEntry | SpillEntry, work: () => Promise<void>) => {
    hooks.onStart();
    chain = chain.then(async () => {
      try {
        await work();
      } catch (err) {
        counters.error(err);
      } finally {
        entry.verified = true;
        hooks.onDone();
      }
    });
    entry.scanned = chain;
  };
  for (const entry of spills) step(entry, () => Spiller.loadCount(entry));
  for (const entry of segments) {
    step(entry, async () => {
      const r = await scanSegment(entry, counters, checkpoint);
      if (checkpoint?.kind === 'wal' && checkpoint.seq === entry.seq) hooks.onResume(entry.seq, r);
    });
  }
  return chain;
}
