import { stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { listCompressedFiles } from './compressed-files';
import { countProblem, frameMatches, readFrameTable } from './frame-reader';
import {
  checksOf,
  corrupt,
  decodeFrameAt,
  type FrameChecks,
  rescanProblem,
} from './internal/frame-decoder';
import {
  decodeFrameHeader,
  FRAME_HEADER_BYTES,
  headerBytesOf,
  MAX_FRAME_HEADER_BYTES,
} from './internal/frame-header';
import { readAt } from './internal/frame-table';
import { NotReadableFileError, openRegularFile } from './internal/regular-file';
import { toNanos } from './internal/time-bound';
import { mayHoldTrace } from './internal/trace-filter';
import type { DecodedFrame, FrameInfo, FrameProblem, FrameTable, ReadFramesOptions } from './types';

/*
 * Frames by position, for tools that read the newest data first or as it is written:
 *
 *   readFramesBackward  frame table ──► newest frame … oldest frame (one frame in memory at a time)
 *   followFrames        poll sizes ──► header walk from each file's position ──► new whole frames
 *                                        └─ a header or frame that fails twice ──► header scan
 *                                           (readFrameTable) names the damage and the next frame
 *
 * Writers append a frame (header + data) whole and its index entry after it, so bytes past the
 * last whole frame are a frame being written: the walk stops there and retries when the file grows.
 */

/** Where following a file goes on: the offset of its next frame and that frame's index. */
export interface FollowPosition {
  offset: number;
  frameIndex: number;
}

/** Options of {@link followFrames}. */
export interface FollowFramesOptions extends Omit<ReadFramesOptions, 'onProgress'> {
  /** Per file path, where to start; files not in it (and files that appear later) start at 0. */
  start?: ReadonlyMap<string, FollowPosition>;
  /** How often sizes are looked at when nothing new was found. Default 250 ms. */
  pollMillis?: number;
  /** Ends the iteration (between frames, or during the wait between polls). */
  signal?: AbortSignal;
}

/** Options of {@link readFramesBackward}. */
export interface ReadFramesBackwardOptions extends ReadFramesOptions {
  /** The file's table, when the caller already loaded it (e.g. to take a follow position). */
  table?: FrameTable;
}

/**
 * Where to follow a file from after reading `table`: past its last whole frame and past damage
 * after it, but not past a torn tail (the frame a writer is appending, which follow then yields).
 */
export function followPositionOf(table: FrameTable): FollowPosition {
  const last = table.frames[table.frames.length - 1];
  let offset = last ? last.offset + last.length : 0;
  for (const p of table.problems)
    if (p.kind === 'corrupt' && p.offset >= offset) offset = p.offset + p.length;
  return { offset, frameIndex: table.frames.length };
}

/**
 * The frames of one file newest first, decompressing only those the index says can match
 * `since`/`until`/`minSeverity`; one frame is in memory at a time. Damaged ranges (see
 * {@link readFrames}) are reported, newest first, once the read is done: an index that disagrees
 * with the frame headers can only be found at the frame it mislocates, after which the file is
 * rescanned (and that reported) and the damage is the scan's. Every frame is yielded once.
 */
export async function* readFramesBackward(
  path: string,
  options: ReadFramesBackwardOptions = {},
): AsyncGenerator<DecodedFrame> {
  const since = toNanos(options.since);
  const until = toNanos(options.until);
  const { minSeverity, stats } = options;
  const report = (p: FrameProblem) => {
    if (stats) countProblem(stats, p);
    options.onProblem?.(p);
  };
  let table = options.table ?? (await readFrameTable(path));
  for (const p of table.problems) if (p.kind === 'index') report(p);
  const reportDamage = () => {
    const damage = table.problems.filter((p) => p.kind !== 'index');
    for (const p of damage.sort((a, b) => b.offset - a.offset)) report(p);
  };
  if (stats) {
    stats.files++;
    stats.framesTotal += table.frames.length;
  }
  if (table.problems.some((p) => p.kind === 'unreadable')) {
    reportDamage();
    return;
  }
  const checks = checksOf(options);
  const fh = await openRegularFile(path);
  const done = new Set<number>();
  try {
    let rescanned = false;
    for (let i = table.frames.length - 1; i >= 0; i--) {
      const f = table.frames[i]!;
      if (done.has(f.offset)) continue;
      options.onProgress?.(path, table.size - f.offset);
      if (
        !frameMatches(f, since, until, minSeverity) ||
        !mayHoldTrace(f.traceFilter, options.traceId)
      ) {
        if (stats) stats.framesSkipped++;
        continue;
      }
      const d = await decodeFrameAt(fh, path, f, checks);
      if (!d.ok && d.failed === 'header' && i < table.indexedFrames && !rescanned) {
        // The index describes another file: trust the headers, skip what was already yielded.
        rescanned = true;
        report(rescanProblem(path, i, f, 'header'));
        table = await readFrameTable(path, { useIndex: false });
        i = table.frames.length;
        continue;
      }
      if (!d.ok) {
        report(corrupt(path, f, d.message));
        continue;
      }
      done.add(f.offset);
      if (stats) stats.framesDecoded++;
      yield d.frame;
    }
    reportDamage();
  } finally {
    await fh.close();
  }
}

interface Followed {
  pos: FollowPosition;
  /** Offset where a header or frame failed once: failing again there means damage. */
  suspect: number | undefined;
  /** File size at the last walk that ended waiting: no new bytes, nothing to look at. */
  seenSize: number;
}

interface FollowContext {
  options: FollowFramesOptions;
  checks: FrameChecks;
  since: bigint | undefined;
  until: bigint | undefined;
  report(p: FrameProblem): void;
}

/**
 * Follows a directory's `.zst` files (or one file) as they grow and rotate: yields every whole
 * frame past each file's start position, oldest file first, then waits and yields frames as
 * writers append them, until `signal` aborts. Frames are filtered by their header metadata like
 * {@link readFrames}. A file that appears is followed from its start; a file deleted meanwhile
 * (retention) is dropped without a problem. A frame still being written (torn) is waited for,
 * never reported; a corrupt header or frame is re-read at the next poll and, failing again,
 * reported once (kind, file, offset) and skipped to the next frame a header scan finds.
 */
export async function* followFrames(
  pathOrDir: string,
  options: FollowFramesOptions = {},
): AsyncGenerator<DecodedFrame> {
  const { signal } = options;
  const reported = new Set<string>();
  const ctx: FollowContext = {
    options,
    checks: checksOf(options),
    since: toNanos(options.since),
    until: toNanos(options.until),
    report(p) {
      // Polling meets the same unreadable entry or damaged range again: name it once.
      const key = `${p.kind} ${p.path} ${p.offset}`;
      if (reported.has(key)) return;
      reported.add(key);
      if (options.stats) countProblem(options.stats, p);
      options.onProblem?.(p);
    },
  };
  const isDir = (await stat(pathOrDir)).isDirectory();
  const files = new Map<string, Followed>();
  while (!signal?.aborted) {
    const listed = isDir ? await sizesOfDirectory(pathOrDir, ctx) : await sizeOfFile(pathOrDir);
    for (const path of files.keys()) if (!listed.has(path)) files.delete(path);
    let found = false;
    for (const [path, size] of listed) {
      let f = files.get(path);
      if (f === undefined) {
        const pos = options.start?.get(path) ?? { offset: 0, frameIndex: 0 };
        f = { pos: { ...pos }, suspect: undefined, seenSize: -1 };
        files.set(path, f);
      }
      if (size === f.seenSize) continue;
      for await (const frame of walk(path, f, ctx)) {
        found = true;
        yield frame;
        if (signal?.aborted) return;
      }
    }
    if (!found) await sleep(options.pollMillis ?? 250, undefined, { signal }).catch(() => {});
  }
}

async function sizesOfDirectory(dir: string, ctx: FollowContext): Promise<Map<string, number>> {
  try {
    const entries = await listCompressedFiles(dir, { onProblem: (p) => ctx.report(p) });
    return new Map(entries.map((e) => [e.path, e.size]));
  } catch (err) {
    // The folder itself removed (a pod's volume cleaned up): nothing to follow until it is back.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw err;
  }
}

async function sizeOfFile(path: string): Promise<Map<string, number>> {
  // A single file followed by name: gone is "nothing new" (it may come back), not an error.
  const size = await stat(path).then(
    (s) => s.size,
    () => -1,
  );
  return size < 0 ? new Map() : new Map([[path, size]]);
}

/** Yields the whole frames of `path` from `f.pos` on, and moves `f.pos` past each. */
async function* walk(path: string, f: Followed, ctx: FollowContext): AsyncGenerator<DecodedFrame> {
  let fh: Awaited<ReturnType<typeof openRegularFile>>;
  try {
    fh = await openRegularFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    if (!(err instanceof NotReadableFileError)) throw err;
    ctx.report({
      kind: 'unreadable',
      path,
      offset: 0,
      length: 0,
      records: 0,
      message: err.message,
    });
    f.seenSize = Number.NaN; // never equal: looked at again only when listed anew
    return;
  }
  const { options } = ctx;
  try {
    const size = (await fh.stat()).size;
    // Shorter than where we were: the name now holds another file. Start it over.
    if (size < f.pos.offset) f.pos = { offset: 0, frameIndex: 0 };
    while (f.pos.offset < size && !options.signal?.aborted) {
      const p = f.pos.offset;
      const head = await readAt(fh, p, MAX_FRAME_HEADER_BYTES);
      // Fewer bytes than its header: a frame being written.
      if (head.length < (headerBytesOf(head) ?? FRAME_HEADER_BYTES)) break;
      const parsed = decodeFrameHeader(head);
      let failure: string | undefined;
      if (parsed.ok) {
        const h = parsed.header;
        const length = h.headerBytes + h.dataLength;
        const { maxSeverity, rawLength, records, lines, minTimeUnixNano, maxTimeUnixNano } = h;
        const info: FrameInfo = {
          ...{ maxSeverity, rawLength, records, lines, minTimeUnixNano, maxTimeUnixNano },
          ...{ frameIndex: f.pos.frameIndex, offset: p, length, checksum: h.checksum },
        };
        if (p + info.length > size) break; // its data is still being written
        const next = { offset: p + info.length, frameIndex: info.frameIndex + 1 };
        if (!frameMatches(info, ctx.since, ctx.until, options.minSeverity)) {
          if (options.stats) options.stats.framesSkipped++;
          f.pos = next;
          continue;
        }
        const d = await decodeFrameAt(fh, path, info, ctx.checks);
        if (d.ok) {
          f.suspect = undefined;
          f.pos = next;
          if (options.stats) options.stats.framesDecoded++;
          yield d.frame;
          continue;
        }
        failure = d.message;
      }
      // Damage, or bytes a writer had not finished: look again at the next poll before saying so.
      if (f.suspect !== p) {
        f.suspect = p;
        return;
      }
      f.suspect = undefined;
      f.pos = await skipDamage(path, f.pos, failure, ctx);
      if (f.pos.offset === p) break;
    }
    f.seenSize = f.suspect === undefined ? size : -1;
  } finally {
    await fh.close();
  }
}

/**
 * Reports the damage at `pos` once and returns where the next frame starts, as a header scan of
 * the file finds it (with its look-ahead for frames that lost bytes). Torn ranges are not
 * reported: in a file being followed they are frames being written.
 */
async function skipDamage(
  path: string,
  pos: FollowPosition,
  failure: string | undefined,
  ctx: FollowContext,
): Promise<FollowPosition> {
  const table = await readFrameTable(path, { useIndex: false });
  const at = table.frames.find((x) => x.offset === pos.offset);
  if (at) {
    // The scan finds a frame here. Its data failing its checks makes its own bytes the damage;
    // a header that failed before and reads well now was rewritten meanwhile: read it again.
    if (failure === undefined) return pos;
    ctx.report(corrupt(path, at, failure));
    return { offset: at.offset + at.length, frameIndex: at.frameIndex + 1 };
  }
  const next = table.frames.find((x) => x.offset > pos.offset);
  let offset = pos.offset;
  const damage = table.problems
    .filter((q) => q.kind === 'corrupt' && q.offset >= pos.offset)
    .sort((a, b) => a.offset - b.offset);
  for (const q of damage) {
    if (next && q.offset >= next.offset) break;
    ctx.report(q);
    offset = Math.max(offset, q.offset + q.length);
  }
  if (next) return { offset: next.offset, frameIndex: next.frameIndex };
  return { offset, frameIndex: pos.frameIndex };
}
