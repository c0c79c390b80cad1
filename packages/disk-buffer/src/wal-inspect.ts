import * as fs from 'node:fs';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import {
  type FrameProblem,
  parseCompressedFileName,
  readFrameTable,
  readLogRecordBatches,
} from '@spillway/file-exporter';
import { type CheckpointRead, readCheckpointSync } from './internal/checkpoint';
import { FOREIGN_STALE_MILLIS, isAlive, readHolder } from './internal/dir-lock';
import { FrameReader } from './internal/frame-reader';
import { BatchDecoder } from './internal/record-decoder';
import {
  parseSegmentFileName,
  parseSegmentHeader,
  SEGMENT_HEADER_BYTES,
} from './internal/wal-format';
import { listSlots, slotDirectory } from './slotted-disk-buffered-log-record-exporter';

/*
 * Read-only inspection of a buffer root (FORMAT.md): slot 0 is the root, slot n is <root>/<n>/.
 * Every file is opened read-only; the lock is read, never taken; nothing is cut, renamed or
 * deleted, so a live owner is not disturbed. The owner may deliver and delete a file while it is
 * read: a file gone before it is opened was delivered, and is left out.
 */

/** Something wrong in a buffer file, named by file and byte offset. */
export interface WalProblem {
  /**
   * `corrupt`: bytes holding no valid frame (skipped; `records` lost);
   * `torn`: a frame running past the end of the file (a crash inside a write, or a write the
   * owner has in flight right now);
   * `header`: a damaged segment header (frames verify themselves: nothing lost by it);
   * `undecodable`: a frame whose checksum holds but whose payload does not decode (`decode` only);
   * `unknown-version`: a segment of another format version, not read (nothing counted);
   * `spill`: a spill file's problem, as @spillway/file-exporter reports it.
   */
  kind: 'corrupt' | 'torn' | 'header' | 'undecodable' | 'unknown-version' | 'spill';
  path: string;
  offset: number;
  /** Bytes the problem covers. */
  length: number;
  /** Records lost with it (FORMAT.md, *Counting damage*); 0 when none are. */
  records: number;
  message: string;
}

/** One segment or spill file of a slot, in delivery (seq) order. */
export interface WalFileInspection {
  kind: 'wal' | 'spill';
  seq: number;
  path: string;
  bytes: number;
  /** Records of the valid frames. */
  records: number;
  /** Of those, the records not delivered yet (after the checkpoint). */
  pendingRecords: number;
}

/** The owner a slot's `lock` names. */
export interface WalLockOwner {
  /** `running`: its process lives (same host) or its heartbeat is fresh (other host). */
  state: 'running' | 'gone' | 'unreadable';
  pid?: number;
  host?: string;
  /** Milliseconds since the owner last refreshed the lock (its heartbeat). */
  heartbeatAgeMillis: number;
}

/** What {@link inspectWal} found in one slot. */
export interface WalSlotInspection {
  slot: number;
  directory: string;
  files: WalFileInspection[];
  segments: number;
  spillFiles: number;
  recordsPending: number;
  /** Time (timestamp, else observed timestamp) of the first pending record, unix ns. */
  oldestPendingTimeUnixNano: bigint | undefined;
  /** The checkpoint file; `trusted` when it names the oldest file (else delivery restarts there). */
  checkpoint:
    | { state: 'ok'; kind: 'wal' | 'spill'; seq: number; position: number; trusted: boolean }
    | { state: 'missing' }
    | { state: 'corrupt'; reason: string };
  /** Damaged ranges and damaged headers (the disk buffer's `corruptFrames`). */
  corruptFrames: number;
  problems: WalProblem[];
  /** The lock's owner; undefined when the slot has no lock file (no owner). */
  lock: WalLockOwner | undefined;
}

/** Options of {@link inspectWal}. */
export interface InspectWalOptions {
  /** Also decode every frame's payload (a full verify). Default false: checksums only. */
  decode?: boolean;
}

interface SlotFiles {
  directory: string;
  files: Array<{ kind: 'wal' | 'spill'; seq: number; path: string; bytes: number }>;
  checkpoint: WalSlotInspection['checkpoint'];
  hasFiles: boolean;
}

/**
 * Inspects every slot of a buffer root that holds a file, without taking its lock or changing a
 * byte: segments and spill files, pending records, the age of the oldest, the checkpoint, damaged
 * frames (named by file and offset) and the lock's owner. Every frame's checksum is verified.
 * Use it to see what a process (running or dead) has not delivered yet. Throws only when `root`
 * cannot be listed.
 */
export async function inspectWal(
  root: string,
  options: InspectWalOptions = {},
): Promise<WalSlotInspection[]> {
  fs.readdirSync(root);
  const out: WalSlotInspection[] = [];
  for (const slot of listSlots(root)) {
    const found = slotFiles(slotDirectory(root, slot));
    if (!found.hasFiles) continue;
    const s: WalSlotInspection = {
      slot,
      directory: found.directory,
      files: [],
      segments: 0,
      spillFiles: 0,
      recordsPending: 0,
      oldestPendingTimeUnixNano: undefined,
      checkpoint: found.checkpoint,
      corruptFrames: 0,
      problems: [],
      lock: lockOwner(join(found.directory, 'lock')),
    };
    for (const f of found.files) {
      const report = await inspectFile(f, found.checkpoint, options.decode === true, s);
      if (report === undefined) continue;
      s.files.push(report);
      if (f.kind === 'wal') s.segments++;
      else s.spillFiles++;
      s.recordsPending += report.pendingRecords;
    }
    s.corruptFrames = s.problems.filter((p) => p.kind === 'corrupt' || p.kind === 'header').length;
    out.push(s);
  }
  return out;
}

/** A batch of pending records, with the slot and file it is read from. */
export interface PendingWalBatch {
  slot: number;
  path: string;
  records: ReadableLogRecord[];
}

/**
 * The records not delivered yet, slot by slot in delivery order, as the owner would send them
 * (damaged ranges skipped and reported to `onProblem`). Read-only, like {@link inspectWal}.
 */
export async function* readPendingWalRecords(
  root: string,
  options: { onProblem?: (problem: WalProblem) => void } = {},
): AsyncGenerator<PendingWalBatch> {
  fs.readdirSync(root);
  for (const slot of listSlots(root)) {
    const found = slotFiles(slotDirectory(root, slot));
    for (const f of found.files) {
      const skip = deliveredIn(f, found.checkpoint);
      if (f.kind === 'spill') {
        let seen = 0;
        const batches = readLogRecordBatches(f.path, {
          onProblem: (p) => options.onProblem?.(spillProblem(p)),
        });
        for await (const batch of batches) {
          const from = Math.max(0, skip - seen);
          seen += batch.length;
          if (from < batch.length) yield { slot, path: f.path, records: batch.slice(from) };
        }
        continue;
      }
      const decoder = new BatchDecoder();
      const frames = segmentFrames(f.path, (p) => options.onProblem?.(p));
      for await (const frame of frames) {
        if (frame.end <= skip) continue;
        let records: ReadableLogRecord[];
        try {
          records = decoder.decode(frame.payload, 0, frame.payload.length);
        } catch (err) {
          options.onProblem?.(undecodable(f.path, frame.offset, frame, err));
          continue;
        }
        yield { slot, path: f.path, records };
      }
    }
  }
}

function slotFiles(directory: string): SlotFiles {
  let names: string[];
  try {
    names = fs.readdirSync(directory);
  } catch {
    return { directory, files: [], checkpoint: { state: 'missing' }, hasFiles: false };
  }
  const bySeq = new Map<number, SlotFiles['files'][number]>();
  let hasFiles = false;
  for (const name of names) {
    const st = fs.lstatSync(join(directory, name), { throwIfNoEntry: false });
    if (!st?.isFile()) continue;
    hasFiles = true;
    const wal = parseSegmentFileName(name);
    const spill = name.endsWith('.zst') ? parseCompressedFileName(name)?.n : undefined;
    const path = join(directory, name);
    // A spill of a seq wins over a segment of the same seq (its segment is removed at start-up).
    if (wal !== undefined && bySeq.get(wal)?.kind !== 'spill')
      bySeq.set(wal, { kind: 'wal', seq: wal, path, bytes: st.size });
    else if (spill !== undefined && spill > 0)
      bySeq.set(spill, { kind: 'spill', seq: spill, path, bytes: st.size });
  }
  const files = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  return {
    directory,
    files,
    checkpoint: checkpointOf(readCheckpointSync(directory), files),
    hasFiles,
  };
}

/** The checkpoint, trusted only when it names the oldest file, as recovery decides. */
function checkpointOf(read: CheckpointRead, files: SlotFiles['files']): SlotFiles['checkpoint'] {
  if (read.state !== 'ok') return read;
  const oldest = files[0];
  const cp = read.checkpoint;
  const trusted = oldest !== undefined && oldest.seq === cp.seq && oldest.kind === cp.kind;
  return { state: 'ok', kind: cp.kind, seq: cp.seq, position: cp.position, trusted };
}

/** Bytes (segment) or records (spill) of `f` already delivered. */
function deliveredIn(f: { kind: string; seq: number }, cp: SlotFiles['checkpoint']): number {
  if (cp.state !== 'ok' || !cp.trusted || cp.seq !== f.seq || cp.kind !== f.kind) return 0;
  return cp.position;
}

function lockOwner(path: string): WalLockOwner | undefined {
  if (!fs.existsSync(path)) return undefined;
  const h = readHolder(path);
  const owner: WalLockOwner = { state: 'unreadable', heartbeatAgeMillis: h.ageMillis };
  if (h.pid === undefined) return owner;
  owner.pid = h.pid;
  if (h.host !== undefined) owner.host = h.host;
  const foreign = h.host !== undefined && h.host !== hostname();
  const running = foreign ? h.ageMillis < FOREIGN_STALE_MILLIS : isAlive(h.pid);
  owner.state = running ? 'running' : 'gone';
  return owner;
}

interface SegmentFrame {
  offset: number;
  end: number;
  count: number;
  payload: Buffer;
}

/** The valid frames of a segment, read-only; damage goes to `onProblem`. Empty when it is gone. */
async function* segmentFrames(
  path: string,
  onProblem: (p: WalProblem) => void,
): AsyncGenerator<SegmentFrame> {
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  try {
    const limit = (await fh.stat()).size;
    const head = Buffer.alloc(SEGMENT_HEADER_BYTES);
    await fh.read(head, 0, SEGMENT_HEADER_BYTES, 0);
    const header = parseSegmentHeader(head);
    if (header.state === 'unknown-version') {
      onProblem({
        kind: 'unknown-version',
        path,
        offset: 0,
        length: limit,
        records: 0,
        message: `segment of format version ${header.version} (this release reads version 1): not read`,
      });
      return;
    }
    if (header.state === 'damaged' || header.seq !== parseSegmentFileName(basename(path)))
      onProblem({
        kind: 'header',
        path,
        offset: 0,
        length: SEGMENT_HEADER_BYTES,
        records: 0,
        message:
          'segment header damaged (bad magic, checksum or seq): frames are read all the same',
      });
    const reader = new FrameReader(fh, SEGMENT_HEADER_BYTES);
    for (;;) {
      const r = await reader.next(limit);
      if (r === null) return;
      if (r.kind === 'frame') {
        yield { offset: r.offset, end: r.end, count: r.header.count, payload: r.payload };
      } else if (r.kind === 'incomplete') {
        onProblem({
          kind: 'torn',
          path,
          offset: r.offset,
          length: limit - r.offset,
          records: 0,
          message: `frame at offset ${r.offset} runs past the end (${limit} bytes): a torn write, or one in flight`,
        });
        return;
      } else {
        onProblem({
          kind: 'corrupt',
          path,
          offset: r.offset,
          length: r.end - r.offset,
          records: r.records,
          message: `${r.end - r.offset} bytes at offset ${r.offset} hold no valid frame: ${r.records} records lost${r.tail ? ' (to the end of the file)' : ''}`,
        });
      }
    }
  } finally {
    await fh.close();
  }
}

async function inspectFile(
  f: SlotFiles['files'][number],
  cp: SlotFiles['checkpoint'],
  decode: boolean,
  slot: WalSlotInspection,
): Promise<WalFileInspection | undefined> {
  const report: WalFileInspection = { ...f, records: 0, pendingRecords: 0 };
  const delivered = deliveredIn(f, cp);
  if (f.kind === 'spill') return inspectSpill(report, delivered, decode, slot);
  if (!fs.existsSync(f.path)) return undefined;
  const decoder = new BatchDecoder();
  for await (const frame of segmentFrames(f.path, (p) => slot.problems.push(p))) {
    report.records += frame.count;
    if (frame.end <= delivered) continue;
    report.pendingRecords += frame.count;
    if (!decode && slot.oldestPendingTimeUnixNano !== undefined) continue;
    try {
      const records = decoder.decode(frame.payload, 0, frame.payload.length);
      slot.oldestPendingTimeUnixNano ??= oldestOf(records);
    } catch (err) {
      slot.problems.push(undecodable(f.path, frame.offset, frame, err));
    }
  }
  return report;
}

async function inspectSpill(
  report: WalFileInspection,
  delivered: number,
  decode: boolean,
  slot: WalSlotInspection,
): Promise<WalFileInspection | undefined> {
  let table: Awaited<ReturnType<typeof readFrameTable>>;
  try {
    table = await readFrameTable(report.path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  report.records = table.frames.reduce((n, fr) => n + fr.records, 0);
  report.pendingRecords = Math.max(0, report.records - delivered);
  const problems = table.problems.filter((p) => p.kind !== 'index').map(spillProblem);
  if (decode) {
    problems.length = 0;
    const batches = readLogRecordBatches(report.path, {
      onProblem: (p) => {
        if (p.kind !== 'index') problems.push(spillProblem(p));
      },
    });
    // Decoding every record is the check: the records themselves are not needed.
    for await (const _batch of batches);
  }
  slot.problems.push(...problems);
  if (report.pendingRecords > 0 && slot.oldestPendingTimeUnixNano === undefined)
    slot.oldestPendingTimeUnixNano = table.frames.find((fr) => fr.records > 0)?.minTimeUnixNano;
  return report;
}

function spillProblem(p: FrameProblem): WalProblem {
  const { path, offset, length, records, message } = p;
  return { kind: 'spill', path, offset, length, records, message: `${p.kind}: ${message}` };
}

function undecodable(
  path: string,
  offset: number,
  frame: { end: number; count: number },
  err: unknown,
): WalProblem {
  return {
    kind: 'undecodable',
    path,
    offset,
    length: frame.end - offset,
    records: frame.count,
    message: `frame at offset ${offset} does not decode: ${(err as Error).message}`,
  };
}

/** Smallest record time of a batch (timestamp, else observed timestamp), unix ns. */
function oldestOf(records: ReadableLogRecord[]): bigint | undefined {
  let min: bigint | undefined;
  for (const r of records) {
    const t = r.hrTime[0] === 0 && r.hrTime[1] === 0 ? r.hrTimeObserved : r.hrTime;
    const ns = BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);
    if (min === undefined || ns < min) min = ns;
  }
  return min;
}
