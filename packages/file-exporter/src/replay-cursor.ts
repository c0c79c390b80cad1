import { basename } from 'node:path';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { OtlpJsonDecoder } from '@spillway/record-format';
import { readFrames } from './frame-reader';
import type { DecodedFrame, FrameProblem, ReadFramesOptions } from './types';

/**
 * Where delivery of a compressed file resumes: record `record` (0-based) of stored line `line` of
 * frame `frame` of the file named `file`. Frame numbers are those of {@link readFrames} (the
 * frame's place in the file), so a position stays valid whatever frames are skipped or damaged.
 * Persisted by {@link saveReplayCheckpoint}; the layout is in FORMAT.md, "Replay checkpoint".
 */
export interface ReplayPosition {
  /** File name (no directory). */
  file: string;
  frame: number;
  line: number;
  record: number;
}

/** Records to deliver and the position just after the last of them. */
export interface ReplayBatch {
  records: ReadableLogRecord[];
  /** Resume here once `records` are acknowledged. */
  next: ReplayPosition;
}

/** Options of {@link openReplayCursor}. */
export interface ReplayCursorOptions
  extends Pick<ReadFramesOptions, 'stats' | 'verifyChecksums' | 'encryption'> {
  /**
   * Where to start: a {@link ReplayPosition} of this file (another file's position means "from the
   * start"), or a count of records already delivered from the start of the file.
   */
  from?: ReplayPosition | { records: number };
  /** Torn and corrupt parts of the file, skipped (never fatal). */
  onProblem?: (problem: FrameProblem) => void;
  /** A stored line whose frame checksum held but which does not decode: counted and skipped. */
  onUnreadableLine?: (frameIndex: number, line: number, error: unknown) => void;
}

/**
 * Delivery of one compressed file in stored order, in batches that merge successive lines (and
 * frames) up to a record count and a rough byte size, each with the position to checkpoint once
 * the batch is acknowledged. The one reader behind every "deliver these files in order, resume
 * after a crash" path: the router's replay of failover files, the disk buffer's spill files and
 * `spillway replay`.
 */
export interface ReplayCursor {
  /** The next batch of at most `maxRecords` records (and about `maxBytes`), or null at the end. */
  next(maxRecords: number, maxBytes?: number): Promise<ReplayBatch | null>;
  /** Stops reading (closes the file). */
  close(): Promise<void>;
}

/** Rough bytes of a record, to bound a merged batch (what the WAL's frames are cut by, roughly). */
function roughBytes(r: ReadableLogRecord): number {
  return 200 + (typeof r.body === 'string' ? r.body.length : 0);
}

/** Opens `path` for delivery from `options.from`. See {@link ReplayCursor}. */
export function openReplayCursor(path: string, options: ReplayCursorOptions = {}): ReplayCursor {
  const file = basename(path);
  const decoder = new OtlpJsonDecoder();
  const frames = readFrames(path, {
    onProblem: options.onProblem,
    stats: options.stats,
    verifyChecksums: options.verifyChecksums,
    encryption: options.encryption,
  });
  const from = options.from;
  const start: ReplayPosition | undefined =
    from && 'file' in from ? (from.file === file ? from : undefined) : undefined;
  let skipRecords = from && 'records' in from ? Math.max(0, from.records) : 0;

  // The records of the current line not yet handed out, and where they are.
  let frame: DecodedFrame | undefined;
  let line = 0;
  let pending: ReadableLogRecord[] = [];
  let pendingAt = 0;
  let done = false;

  /** Moves to the next line that holds records to hand out; false at the end of the file. */
  async function fill(): Promise<boolean> {
    while (pendingAt >= pending.length) {
      if (frame !== undefined && line + 1 < frame.lines.length) {
        line++;
      } else {
        const r = await frames.next();
        if (r.done) return false;
        frame = r.value;
        if (start && frame.frameIndex < start.frame) {
          frame = undefined;
          continue;
        }
        line = start && frame.frameIndex === start.frame ? start.line : 0;
        if (line >= frame.lines.length) continue;
      }
      const f = frame!;
      try {
        pending = decoder.decodeLine(f.lines[line]!);
      } catch (error) {
        options.onUnreadableLine?.(f.frameIndex, line, error);
        pending = [];
      }
      pendingAt =
        start && f.frameIndex === start.frame && line === start.line
          ? Math.min(start.record, pending.length)
          : 0;
      if (skipRecords > 0) {
        const n = Math.min(skipRecords, pending.length - pendingAt);
        skipRecords -= n;
        pendingAt += n;
      }
    }
    return true;
  }

  return {
    async next(maxRecords: number, maxBytes = Number.POSITIVE_INFINITY) {
      if (done) return null;
      const limit = Math.max(1, Math.floor(maxRecords) || 1);
      const records: ReadableLogRecord[] = [];
      let bytes = 0;
      while (records.length < limit && bytes < maxBytes) {
        if (!(await fill())) {
          done = true;
          break;
        }
        while (pendingAt < pending.length && records.length < limit && bytes < maxBytes) {
          const r = pending[pendingAt++]!;
          records.push(r);
          bytes += roughBytes(r);
        }
      }
      if (records.length === 0) return null;
      const f = frame!;
      const next: ReplayPosition =
        pendingAt < pending.length
          ? { file, frame: f.frameIndex, line, record: pendingAt }
          : { file, frame: f.frameIndex, line: line + 1, record: 0 };
      return { records, next };
    },
    async close() {
      done = true;
      await frames.return(undefined);
    },
  };
}
