import { type FileHandle, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { replaceFileAtomically } from '../atomic-replace';
import { isProcessAlive } from '../process-alive';
import type { FrameInfo, FrameProblem, FrameTable } from '../types';
import {
  decodeFrameHeader,
  FRAME_HEADER_BYTES,
  type FrameHeader,
  indexOfHeaderPrefix,
  isPrefixOfHeader,
  MAX_FRAME_HEADER_BYTES,
} from './frame-header';
import { decodeIndex, encodeIndexEntry, encodeIndexHeader } from './index-file';
import { IndexHints, lostInRange } from './lost-records';
import { NotReadableFileError, openRegularFile, readRegularFile } from './regular-file';

const RESYNC_CHUNK = 1024 * 1024;

/**
 * Reads the frame table of `path`: trusts the longest prefix of index entries that tiles the file
 * from offset 0, then scans frame headers from where the index stops (a stale index after a crash,
 * or none at all). `useIndex: false` scans everything (what `verify` compares the index against).
 */
export async function loadFrameTable(
  path: string,
  options: { useIndex?: boolean } = {},
): Promise<FrameTable> {
  let fh: FileHandle;
  try {
    fh = await openRegularFile(path);
  } catch (err) {
    if (err instanceof NotReadableFileError) return unreadableTable(path, err.message);
    throw err;
  }
  try {
    const size = (await fh.stat()).size;
    const table: FrameTable = { path, size, frames: [], problems: [], indexedFrames: 0 };
    const index = await readIndex(path);
    let from = 0;
    if (options.useIndex !== false) from = fromIndex(table, index);
    await scanFrom(fh, table, from, new IndexHints(index?.entries ?? []));
    return table;
  } finally {
    await fh.close();
  }
}

/** A path named like our files that is not a regular file: one problem, no frames. */
async function unreadableTable(path: string, message: string): Promise<FrameTable> {
  const index = await readIndex(path);
  const problem: FrameProblem = {
    kind: 'unreadable',
    path,
    offset: 0,
    length: 0,
    records: 0,
    message,
  };
  if (index && index.entries.length > 0) {
    // Its index still says what it held: those records are what is lost.
    problem.records = index.entries.reduce((n, e) => n + e.records, 0);
    problem.maxSeverity = Math.max(...index.entries.map((e) => e.maxSeverity));
  }
  return { path, size: 0, frames: [], problems: [problem], indexedFrames: 0 };
}

async function readIndex(path: string): Promise<ReturnType<typeof decodeIndex> | undefined> {
  const bytes = await readRegularFile(`${path}.idx`);
  return bytes === undefined ? undefined : decodeIndex(bytes);
}

function fromIndex(table: FrameTable, index: ReturnType<typeof decodeIndex> | undefined): number {
  const { size } = table;
  if (index === undefined) {
    if (size > 0) indexProblem(table, 'index missing: frames found by scanning');
    return 0;
  }
  const { entries, problem } = index;
  let end = 0;
  for (const e of entries) {
    if (e.offset !== end || e.offset + e.length > size || e.length <= FRAME_HEADER_BYTES) {
      indexProblem(
        table,
        `index entry ${table.frames.length} does not match the file (offset ${e.offset}, length ${e.length}, file ${size} bytes): rest scanned`,
      );
      // The prefix is still taken from the index: readers check each of its frames' headers.
      table.indexedFrames = table.frames.length;
      return end;
    }
    table.frames.push({ ...e, frameIndex: table.frames.length });
    end = e.offset + e.length;
  }
  table.indexedFrames = table.frames.length;
  if (problem) indexProblem(table, `${problem}: rest scanned`);
  else if (end < size)
    indexProblem(table, `index stale: covers ${end} of ${size} bytes, rest scanned`);
  return end;
}

function indexProblem(table: FrameTable, message: string): void {
  table.problems.push({
    kind: 'index',
    path: table.path,
    offset: 0,
    length: 0,
    records: 0,
    message,
  });
}

export async function readAt(fh: FileHandle, pos: number, len: number): Promise<Buffer> {
  const buf = Buffer.alloc(len);
  let got = 0;
  while (got < len) {
    const { bytesRead } = await fh.read(buf, got, len - got, pos + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got === len ? buf : buf.subarray(0, got);
}

/*
 * Header scan. A frame is accepted when its length leads to the next frame header (or to the end
 * of the file); when it does not, its length or its bytes are wrong (bytes deleted, inserted,
 * torn), so the scan resynchronises from just after the frame's start rather than from where its
 * length points: a header that starts inside the frame means the frame lost bytes, and the frame
 * after it is kept. Without that look-ahead one shifted byte would also cost the next frame.
 */
async function scanFrom(
  fh: FileHandle,
  table: FrameTable,
  start: number,
  hints: IndexHints,
): Promise<void> {
  const { path, size } = table;
  const read = (pos: number, len: number) => readAt(fh, pos, len);
  let p = start;
  while (p < size) {
    const head = await readAt(fh, p, MAX_FRAME_HEADER_BYTES);
    const parsed = decodeFrameHeader(head);
    if (parsed.ok) {
      const h = parsed.header;
      const length = h.headerBytes + h.dataLength;
      const end = p + length;
      if (end <= size && (await leadsToFrame(fh, end, size))) {
        table.frames.push(frameOf(table.frames.length, p, length, h));
        p = end;
        continue;
      }
      const next = await resync(fh, p + 1, size);
      if (end <= size && next >= end) {
        // The frame is whole; damage follows it (reported at the next step).
        table.frames.push(frameOf(table.frames.length, p, length, h));
        p = end;
        continue;
      }
      const torn = next === size;
      await hints.confirm(read, size);
      const chained = hints.chain(p, torn ? Number.POSITIVE_INFINITY : next);
      const fromIdx = chained.frames > 0 && (torn || chained.end === next);
      table.problems.push({
        kind: torn ? 'torn' : 'corrupt',
        path,
        offset: p,
        length: next - p,
        records: fromIdx ? chained.records : h.records,
        maxSeverity: fromIdx ? chained.maxSeverity : h.maxSeverity,
        message: torn
          ? `torn frame at offset ${p}: header announces ${length} bytes, file ends after ${size - p}`
          : `frame at offset ${p} lost bytes: header announces ${length} bytes, next frame starts after ${next - p}`,
      });
      p = next;
      continue;
    }
    const next = await resync(fh, p + 1, size);
    const tornTail =
      next === size && head.length < MAX_FRAME_HEADER_BYTES && isTornHeader(head, parsed.reason);
    const range = await readAt(fh, p, next - p);
    await hints.confirm(read, size);
    const lost = lostInRange(hints, range, p, next, next === size, tornTail);
    table.problems.push({
      kind: tornTail ? 'torn' : 'corrupt',
      path,
      offset: p,
      length: next - p,
      ...lost,
      message: tornTail
        ? `torn frame header at offset ${p}: ${head.length} bytes at end of file`
        : `corrupt bytes at offset ${p} (${parsed.reason}): ${next - p} bytes skipped`,
    });
    p = next;
  }
  // A damaged range that runs to the end already counted what the index lists past it.
  if (table.problems.some((q) => q.kind !== 'index' && q.offset + q.length === size)) return;
  // Cut exactly at a frame boundary: no header tells, but the index may list frames past the end.
  const listed = hints.entries;
  if (listed > 0 && !(await hints.confirm(read, size))) {
    if (size === 0) {
      table.problems.push({
        kind: 'torn',
        path,
        offset: 0,
        length: 0,
        records: 0,
        recordsUnknown: true,
        message: `file is empty but its index lists ${listed} frames (unconfirmed: maybe another file's)`,
      });
    }
    return;
  }
  const beyond = hints.chain(size, Number.POSITIVE_INFINITY);
  if (beyond.frames > 0) {
    table.problems.push({
      kind: 'torn',
      path,
      offset: size,
      length: 0,
      records: beyond.records,
      maxSeverity: beyond.maxSeverity,
      message: `file ends at ${size} bytes where its index lists ${beyond.frames} more frames`,
    });
  }
}

/** Whether `at` is the end of the file, a valid frame header, or a torn header at the end. */
async function leadsToFrame(fh: FileHandle, at: number, size: number): Promise<boolean> {
  if (at === size) return true;
  const head = await readAt(fh, at, MAX_FRAME_HEADER_BYTES);
  const parsed = decodeFrameHeader(head);
  return parsed.ok || isTornHeader(head, parsed.reason);
}

function frameOf(frameIndex: number, offset: number, length: number, h: FrameHeader): FrameInfo {
  return {
    frameIndex,
    offset,
    length,
    rawLength: h.rawLength,
    records: h.records,
    lines: h.lines,
    minTimeUnixNano: h.minTimeUnixNano,
    maxTimeUnixNano: h.maxTimeUnixNano,
    maxSeverity: h.maxSeverity,
    checksum: h.checksum,
  };
}

/** A header cut by the end of the file (fewer bytes than its version's header holds). */
function isTornHeader(head: Buffer, reason: string): boolean {
  return isPrefixOfHeader(head) && reason.startsWith('truncated header');
}

/** The offset of the next valid frame header at or after `from`, else `size`. */
async function resync(fh: FileHandle, from: number, size: number): Promise<number> {
  const overlap = MAX_FRAME_HEADER_BYTES - 1;
  for (let pos = from; pos < size; pos += RESYNC_CHUNK) {
    const chunk = await readAt(fh, pos, RESYNC_CHUNK + overlap);
    for (let i = indexOfHeaderPrefix(chunk, 0); i !== -1 && i < RESYNC_CHUNK; ) {
      const parsed = decodeFrameHeader(chunk.subarray(i, i + MAX_FRAME_HEADER_BYTES));
      if (parsed.ok || isTornHeader(chunk.subarray(i), parsed.reason)) return pos + i;
      i = indexOfHeaderPrefix(chunk, i + 1);
    }
  }
  return size;
}

/**
 * Rewrites `<path>.idx` (version 2) listing `frames`, each with its trace filter if it has one
 * (atomically, by {@link replaceFileAtomically}: temp `<path>.idx.tmp-<pid>`, fsync, rename, fsync
 * of the directory; a full disk leaves the old index, if any, in place and no temp file). Use it to
 * repair a lost or damaged index; never while a writer has the file open.
 */
export async function writeFrameIndex(
  path: string,
  frames: ReadonlyArray<FrameInfo>,
): Promise<void> {
  await replaceFileAtomically(
    `${path}.idx`,
    Buffer.concat([encodeIndexHeader(), ...frames.map((f) => encodeIndexEntry(f, f.traceFilter))]),
  );
}

const INDEX_TEMP = /\.zst\.idx\.tmp-(\d+)$/;

/**
 * Removes the temp files of index rewrites that a killed process left in `dir` (those of a process
 * still alive are its work in progress and stay).
 */
export async function removeStaleIndexTemps(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = INDEX_TEMP.exec(name)?.[1];
    if (pid !== undefined && !isProcessAlive(Number(pid)))
      await rm(join(dir, name), { force: true });
  }
}
