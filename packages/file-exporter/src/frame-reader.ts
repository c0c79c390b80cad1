import { open } from 'node:fs/promises';
import { crc32 } from '@spillway/record-format';
import { decodeFrameHeader, FRAME_HEADER_BYTES, hex } from './internal/frame-header';
import { loadFrameTable, readAt, writeFrameIndex } from './internal/frame-table';
import { toNanos } from './internal/time-bound';
import type {
  DecodedFrame,
  FrameInfo,
  FrameProblem,
  FrameTable,
  ReadFramesOptions,
  ReadStats,
} from './types';
import { zstdDecompress } from './zstd-codec';

/** Fresh counters for the `stats` option of the readers. */
export function createReadStats(): ReadStats {
  return {
    files: 0,
    framesTotal: 0,
    framesDecoded: 0,
    framesSkipped: 0,
    recordsRead: 0,
    framesTorn: 0,
    framesCorrupt: 0,
    problems: [],
  };
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
 * Rewrites `<path>.idx` from a scan of the file's frame headers (atomically: temp file, fsync,
 * rename) and returns the table scanned. Repairs a lost or damaged index; readers do not need it
 * (they scan what the index lacks), but later reads get faster. Never use it on a file a writer
 * still has open.
 */
export async function rebuildFrameIndex(path: string): Promise<FrameTable> {
  const table = await loadFrameTable(path, { useIndex: false });
  await writeFrameIndex(path, table.frames);
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
  const verify = options.verifyChecksums !== false;
  const report = (p: FrameProblem) => {
    if (stats) {
      if (p.kind === 'torn') stats.framesTorn++;
      else if (p.kind === 'corrupt') stats.framesCorrupt++;
    }
    stats?.problems.push(p);
    options.onProblem?.(p);
  };
  let table = await loadFrameTable(path);
  for (const p of table.problems) report(p);
  if (stats) {
    stats.files++;
    stats.framesTotal += table.frames.length;
  }
  const fh = await open(path, 'r');
  try {
    let rescanned = false;
    for (let i = 0; i < table.frames.length; i++) {
      const f = table.frames[i]!;
      options.onProgress?.(path, f.offset + f.length);
      if (!frameMatches(f, since, until, minSeverity)) {
        if (stats) stats.framesSkipped++;
        continue;
      }
      const bytes = await readAt(fh, f.offset, f.length);
      const header = decodeFrameHeader(bytes.subarray(0, FRAME_HEADER_BYTES));
      const agrees =
        header.ok &&
        FRAME_HEADER_BYTES + header.header.dataLength === f.length &&
        header.header.checksum === f.checksum;
      if (!agrees && i < table.indexedFrames && !rescanned) {
        // The index describes another file (replaced or rewritten): trust the headers instead.
        rescanned = true;
        report({
          kind: 'index',
          path,
          offset: f.offset,
          length: 0,
          records: 0,
          message: `index entry ${i} disagrees with the frame header at offset ${f.offset}: file rescanned`,
        });
        const fresh = await loadFrameTable(path, { useIndex: false });
        for (const p of fresh.problems) if (p.offset >= f.offset) report(p);
        const rest = fresh.frames.filter((x) => x.offset >= f.offset);
        table = { ...fresh, frames: [...table.frames.slice(0, i), ...rest], indexedFrames: 0 };
        rest.forEach((x, k) => {
          x.frameIndex = i + k;
        });
        i--;
        continue;
      }
      const data = bytes.subarray(FRAME_HEADER_BYTES);
      const problem = (message: string) =>
        report({
          kind: 'corrupt',
          path,
          offset: f.offset,
          length: f.length,
          records: f.records,
          message,
        });
      if (!agrees) {
        problem(
          `frame ${i} at offset ${f.offset}: ${header.ok ? 'header disagrees with index' : header.reason}`,
        );
        continue;
      }
      if (verify) {
        const actual = crc32(data);
        if (actual !== f.checksum) {
          problem(
            `frame ${i} at offset ${f.offset}: data checksum mismatch (stored ${hex(f.checksum)}, computed ${hex(actual)})`,
          );
          continue;
        }
      }
      let raw: Buffer;
      try {
        raw = await zstdDecompress(data);
      } catch (err) {
        problem(`frame ${i} at offset ${f.offset}: zstd: ${(err as Error).message}`);
        continue;
      }
      if (stats) stats.framesDecoded++;
      if (raw.length !== f.rawLength) {
        problem(
          `frame ${i} at offset ${f.offset}: decompressed to ${raw.length} bytes, header says ${f.rawLength}`,
        );
        continue;
      }
      yield {
        path,
        frameIndex: f.frameIndex,
        offset: f.offset,
        length: f.length,
        records: f.records,
        minTimeUnixNano: f.minTimeUnixNano,
        maxTimeUnixNano: f.maxTimeUnixNano,
        maxSeverity: f.maxSeverity,
        rawLength: f.rawLength,
        lines: splitLines(raw),
      };
    }
  } finally {
    await fh.close();
  }
}

function splitLines(raw: Buffer): string[] {
  const text = raw.toString('utf8');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}
