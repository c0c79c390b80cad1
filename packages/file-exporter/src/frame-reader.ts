import { checksOf, corrupt, decodeFrameAt, rescanProblem } from './internal/frame-decoder';
import { loadFrameTable, writeFrameIndex } from './internal/frame-table';
import { openRegularFile } from './internal/regular-file';
import { toNanos } from './internal/time-bound';
import { buildTraceFilter, mayHoldTrace, traceIdsOfLines } from './internal/trace-filter';
import type {
  DecodedFrame,
  FrameInfo,
  FrameProblem,
  FrameTable,
  ReadFramesOptions,
  ReadStats,
  TraceFilter,
} from './types';

/** Fresh counters for the `stats` option of the readers. */
export function createReadStats(): ReadStats {
  return {
    files: 0,
    framesTotal: 0,
    framesDecoded: 0,
    framesSkipped: 0,
    framesSkippedByTrace: 0,
    recordsRead: 0,
    framesTorn: 0,
    framesCorrupt: 0,
    filesUnreadable: 0,
    recordsLost: 0,
    recordsLostUnknown: false,
    problems: [],
  };
}

/** Adds a problem to read counters: by kind, and the records it lost. */
export function countProblem(stats: ReadStats, p: FrameProblem): void {
  if (p.kind === 'torn') stats.framesTorn++;
  else if (p.kind === 'corrupt') stats.framesCorrupt++;
  else if (p.kind === 'unreadable') stats.filesUnreadable++;
  if (p.kind !== 'index') {
    stats.recordsLost += p.records;
    if (p.recordsUnknown) stats.recordsLostUnknown = true;
  }
  stats.problems.push(p);
}

/**
 * Whether a frame can hold records matching the filters, judged from its index metadata alone.
 * Frames holding no record never match.
 */
export function frameMatches(
  f: Pick<FrameInfo, 'records' | 'minTimeUnixNano' | 'maxTimeUnixNano' | 'maxSeverity'>,
  since: bigint | undefined,
  until: bigint | undefined,
  minSeverity: number | undefined,
): boolean {
  if (f.records === 0) return false;
  if (since !== undefined && f.maxTimeUnixNano < since) return false;
  if (until !== undefined && f.minTimeUnixNano > until) return false;
  if (minSeverity !== undefined && f.maxSeverity < minSeverity) return false;
  return true;
}

/**
 * The frame table of one file (index where valid, header scan for the rest) with the problems met
 * finding it. Cheap: reads the index and at most the headers of unindexed frames.
 */
export function readFrameTable(
  path: string,
  options: { useIndex?: boolean } = {},
): Promise<FrameTable> {
  return loadFrameTable(path, options);
}

/**
 * Rewrites `<path>.idx` (index version 2) from a scan of the file's frame headers, with each
 * frame's trace filter from decoding it (atomically: temp file, fsync, rename) and returns the
 * table scanned. Repairs a lost, damaged or version 1 index; readers do not need it (they scan
 * what the index lacks), but later reads get faster. A frame that does not decode gets no trace
 * filter (every trace lookup reads it): pass `encryption` with the file's keys, or its encrypted
 * frames are among those. Never use it on a file a writer still has open.
 */
export async function rebuildFrameIndex(
  path: string,
  options: Pick<ReadFramesOptions, 'encryption'> = {},
): Promise<FrameTable> {
  const table = await loadFrameTable(path, { useIndex: false });
  const filters = new Map<string, TraceFilter | undefined>();
  const read = options.encryption ? { encryption: options.encryption } : {};
  for await (const frame of readFrames(path, read)) {
    const ids = traceIdsOfLines(frame.lines);
    filters.set(`${frame.offset}:${frame.length}`, ids && buildTraceFilter(ids));
  }
  const withFilters = table.frames.map((f) => ({
    ...f,
    traceFilter: filters.get(`${f.offset}:${f.length}`),
  }));
  await writeFrameIndex(path, withFilters);
  return table;
}

/**
 * Iterates over the frames of one compressed file, oldest first, decompressing only those the
 * index says can match `since`/`until`/`minSeverity`. A torn last frame, corrupt bytes, a frame
 * whose checksum or decompression fails, and a missing or stale index are reported (through
 * `onProblem` and `stats.problems`, naming the file and offset) and skipped; reading goes on.
 */
export async function* readFrames(
  path: string,
  options: ReadFramesOptions = {},
): AsyncGenerator<DecodedFrame> {
  const since = toNanos(options.since);
  const until = toNanos(options.until);
  const { minSeverity } = options;
  const stats = options.stats;
  const checks = checksOf(options);
  const report = (p: FrameProblem) => {
    if (stats) countProblem(stats, p);
    options.onProblem?.(p);
  };
  let table = await loadFrameTable(path);
  // Damage is reported in file order as the read reaches it, so that a rescan (below) can replace
  // what the first table said about the bytes after the rescan point.
  let pending = table.problems.filter((p) => p.kind !== 'index');
  for (const p of table.problems) if (p.kind === 'index') report(p);
  const reportUpTo = (offset: number) => {
    const due = pending.filter((p) => p.offset < offset);
    pending = pending.filter((p) => p.offset >= offset);
    for (const p of due) report(p);
  };
  if (stats) {
    stats.files++;
    stats.framesTotal += table.frames.length;
  }
  if (table.problems.some((p) => p.kind === 'unreadable')) {
    reportUpTo(Number.POSITIVE_INFINITY);
    return;
  }
  const fh = await openRegularFile(path);
  try {
    let rescanned = false;
    for (let i = 0; i < table.frames.length; i++) {
      const f = table.frames[i]!;
      reportUpTo(f.offset);
      options.onProgress?.(path, f.offset + f.length);
      if (!frameMatches(f, since, until, minSeverity)) {
        if (stats) stats.framesSkipped++;
        continue;
      }
      if (!mayHoldTrace(f.traceFilter, options.traceId)) {
        if (stats) {
          stats.framesSkipped++;
          stats.framesSkippedByTrace++;
        }
        continue;
      }
      const d = await decodeFrameAt(fh, path, f, checks);
      // An indexed frame whose header disagrees, or whose data fails its checksum (it may have
      // lost or gained bytes, which moves every later frame off the index's offsets): the index
      // may describe another file (replaced, rewritten or shifted), so the header scan (with its
      // look-ahead) decides.
      if (!d.ok && d.failed !== 'content' && i < table.indexedFrames && !rescanned) {
        rescanned = true;
        report(rescanProblem(path, i, f, d.failed));
        const fresh = await loadFrameTable(path, { useIndex: false });
        // Everything after the last frame dealt with comes from the scan: bytes lost or gained
        // before this point move the frames after it off the index's offsets.
        const handled = i > 0 ? table.frames[i - 1]!.offset : -1;
        pending = fresh.problems.filter((p) => p.kind !== 'index' && p.offset > handled);
        const rest = fresh.frames.filter((x) => x.offset > handled);
        table = { ...fresh, frames: [...table.frames.slice(0, i), ...rest], indexedFrames: 0 };
        rest.forEach((x, k) => {
          x.frameIndex = i + k;
        });
        i--;
        continue;
      }
      if (!d.ok) {
        report(corrupt(path, f, d.message));
        continue;
      }
      if (stats) stats.framesDecoded++;
      yield d.frame;
    }
    reportUpTo(Number.POSITIVE_INFINITY);
  } finally {
    await fh.close();
  }
}
