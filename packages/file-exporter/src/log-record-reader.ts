import { stat } from 'node:fs/promises';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { OtlpJsonDecoder, type OtlpJsonLogsData } from '@spillway/record-format';
import { listCompressedFiles } from './compressed-files';
import { countProblem, readFrames } from './frame-reader';
import { toNanos } from './internal/time-bound';
import { effectiveSeverity, jsonRecordTimeNanos } from './record-metadata';
import type { DecodedFrame, FrameProblem, ReadLogRecordsOptions } from './types';

/**
 * The `.zst` files `pathOrDir` names: the file itself, or a directory's files oldest first. Entries
 * of the directory named like compressed files that are not regular files go to `onProblem`
 * (kind `unreadable`); a path that cannot even be looked at (a symlink loop) is returned as is, so
 * that reading it reports it.
 */
export async function compressedFilesOf(
  pathOrDir: string,
  options: { onProblem?: (problem: FrameProblem) => void } = {},
): Promise<string[]> {
  let isDir: boolean;
  try {
    isDir = (await stat(pathOrDir)).isDirectory();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw err;
    isDir = false;
  }
  if (isDir) return (await listCompressedFiles(pathOrDir, options)).map((f) => f.path);
  return [pathOrDir];
}

async function* framesOf(
  pathOrDir: string,
  options: ReadLogRecordsOptions,
): AsyncGenerator<DecodedFrame> {
  const paths = await compressedFilesOf(pathOrDir, {
    onProblem: (p) => {
      if (options.stats) countProblem(options.stats, p);
      options.onProblem?.(p);
    },
  });
  for (const path of paths) {
    try {
      yield* readFrames(path, options);
    } catch (err) {
      // Retention of a live exporter may delete a listed file before it is opened: it is gone,
      // not damaged. A single file asked for by name still fails loudly.
      if (paths.length > 1 && (err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
  }
}

type JsonRecord =
  OtlpJsonLogsData['resourceLogs'][number]['scopeLogs'][number]['logRecords'][number];

/** A per-record predicate for the options, or undefined when every record of a frame matches. */
function recordFilter(
  options: ReadLogRecordsOptions,
  frame: DecodedFrame,
): ((lr: JsonRecord) => boolean) | undefined {
  const since = toNanos(options.since);
  const until = toNanos(options.until);
  const needSince = since !== undefined && frame.minTimeUnixNano < since;
  const needUntil = until !== undefined && frame.maxTimeUnixNano > until;
  const minSeverity = options.minSeverity;
  const traceId = options.traceId?.toLowerCase();
  if (!needSince && !needUntil && minSeverity === undefined && traceId === undefined)
    return undefined;
  return (lr) => {
    if (needSince || needUntil) {
      const t = jsonRecordTimeNanos(lr);
      if (needSince && t < since!) return false;
      if (needUntil && t > until!) return false;
    }
    if (
      minSeverity !== undefined &&
      effectiveSeverity(lr.severityNumber, lr.severityText) < minSeverity
    ) {
      return false;
    }
    if (
      traceId !== undefined &&
      (typeof lr.traceId !== 'string' || lr.traceId.toLowerCase() !== traceId)
    )
      return false;
    return true;
  };
}

/** Keeps the matching records of a `LogsData`; drops scopes and resources left empty. */
function filterLogsData(data: OtlpJsonLogsData, keep: (lr: JsonRecord) => boolean): number {
  let kept = 0;
  data.resourceLogs = (data.resourceLogs ?? []).filter((rl) => {
    rl.scopeLogs = (rl.scopeLogs ?? []).filter((sl) => {
      sl.logRecords = (sl.logRecords ?? []).filter(keep);
      kept += sl.logRecords.length;
      return sl.logRecords.length > 0;
    });
    return rl.scopeLogs.length > 0;
  });
  return kept;
}

/**
 * The raw OTLP/JSON mode: `LogsData` lines (without newline) of a file or directory, filtered like
 * {@link readLogRecords}. Lines of frames that match entirely are passed through byte for byte;
 * others are re-encoded with only the matching records. A line that is not JSON is reported as a
 * `corrupt` problem and skipped.
 */
export async function* readLogsDataLines(
  pathOrDir: string,
  options: ReadLogRecordsOptions = {},
): AsyncGenerator<string> {
  for await (const frame of framesOf(pathOrDir, options)) {
    const keep = recordFilter(options, frame);
    if (keep === undefined) {
      if (options.stats) options.stats.recordsRead += frame.records;
      yield* frame.lines;
      continue;
    }
    for (const line of frame.lines) {
      const data = parseLine(line, frame, options);
      if (data === undefined) continue;
      const kept = filterLogsData(data, keep);
      if (kept === 0) continue;
      if (options.stats) options.stats.recordsRead += kept;
      yield JSON.stringify(data);
    }
  }
}

function parseLine(
  line: string,
  frame: DecodedFrame,
  options: ReadLogRecordsOptions,
): OtlpJsonLogsData | undefined {
  try {
    return JSON.parse(line) as OtlpJsonLogsData;
  } catch (err) {
    const problem = unparsableLineProblem(frame, err);
    if (options.stats) countProblem(options.stats, problem);
    options.onProblem?.(problem);
    return undefined;
  }
}

/**
 * The problem a line of a decoded frame that is not JSON makes: `corrupt`, one record at least
 * (how many is unknown). The frame's checksum held, so only a writer bug gets here. For every
 * reader of decoded frames (this module's, the CLI's), so each words and counts it alike.
 */
export function unparsableLineProblem(frame: DecodedFrame, err: unknown): FrameProblem {
  return {
    kind: 'corrupt',
    path: frame.path,
    offset: frame.offset,
    length: 0,
    records: 1,
    recordsUnknown: true,
    maxSeverity: frame.maxSeverity,
    message: `frame ${frame.frameIndex} at offset ${frame.offset}: line is not JSON (${(err as Error).message})`,
  };
}

/**
 * Records of a file or directory as batches (one per stored OTLP/JSON line, after filtering), ready
 * for any `LogRecordExporter.export`. Resources and scopes are decoded once and shared across the
 * whole read, as the SDK shares them.
 */
export async function* readLogRecordBatches(
  pathOrDir: string,
  options: ReadLogRecordsOptions = {},
): AsyncGenerator<ReadableLogRecord[]> {
  const decoder = new OtlpJsonDecoder();
  for await (const frame of framesOf(pathOrDir, options)) {
    const keep = recordFilter(options, frame);
    for (const line of frame.lines) {
      const data = parseLine(line, frame, options);
      if (data === undefined) continue;
      if (keep !== undefined && filterLogsData(data, keep) === 0) continue;
      const records = decoder.decode(data);
      if (records.length === 0) continue;
      if (options.stats) options.stats.recordsRead += records.length;
      yield records;
    }
  }
}

/**
 * Records of a file, or of every `.zst` file of a directory (oldest first), as
 * `ReadableLogRecord`s usable by any `LogRecordExporter`. `since`/`until` (inclusive),
 * `minSeverity` and `traceId` skip whole frames through the index (`traceId` through each frame's
 * trace filter, index version 2: a lookup in a day of files decodes the one or two frames holding
 * the trace) and then filter records; `stats.framesDecoded` / `framesSkippedByTrace` count it. Damaged parts are skipped and reported (see {@link readFrames}).
 */
export async function* readLogRecords(
  pathOrDir: string,
  options: ReadLogRecordsOptions = {},
): AsyncGenerator<ReadableLogRecord> {
  for await (const batch of readLogRecordBatches(pathOrDir, options)) yield* batch;
}
