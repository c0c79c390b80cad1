import * as fs from 'node:fs';
import { join } from 'node:path';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import {
  type EncryptionOptions,
  openReplayCursor,
  readFrameTable,
  readLogRecordBatches,
  SyncFrameCipher,
} from '@spillway/file-exporter';
import { BatchDecoder } from './internal/record-decoder';
import {
  deliveredIn,
  lockOwner,
  type SlotFiles,
  segmentFrames,
  slotFiles,
  spillProblem,
  undecodable,
} from './internal/wal-slot-reader';
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
   * `undecryptable`: an intact encrypted frame that no key given decrypts (no key, another key
   * id, a wrong key; `records` not readable without it);
   * `spill`: a spill file's problem, as @spillway/file-exporter reports it.
   */
  kind:
    | 'corrupt'
    | 'torn'
    | 'header'
    | 'undecodable'
    | 'unknown-version'
    | 'undecryptable'
    | 'spill';
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
  recordsPending: number;
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
  /**
   * Keys for encrypted WAL frames and spill files (any id listed; `loadEncryptionKeyFile`).
   * Without the key of a frame it is an `undecryptable` problem (spill: `corrupt`), never a throw.
   */
  encryption?: Pick<EncryptionOptions, 'keys'>;
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
  const keys = readKeys(options.encryption);
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
      const report = await inspectFile(f, found.checkpoint, options.decode === true, s, keys);
      if (report === undefined) continue;
      s.files.push(report);
      if (f.kind === 'wal') s.segments++;
      else s.spillFiles++;
      s.recordsPending += report.recordsPending;
    }
    s.corruptFrames = s.problems.filter(
      (p) => p.kind === 'corrupt' || p.kind === 'header' || p.kind === 'undecryptable',
    ).length;
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
  options: {
    onProblem?: (problem: WalProblem) => void;
    /** Keys for encrypted frames and spill files, as {@link InspectWalOptions.encryption}. */
    encryption?: Pick<EncryptionOptions, 'keys'>;
  } = {},
): AsyncGenerator<PendingWalBatch> {
  fs.readdirSync(root);
  const keys = readKeys(options.encryption);
  for (const slot of listSlots(root)) {
    const found = slotFiles(slotDirectory(root, slot));
    for (const f of found.files) {
      const skip = deliveredIn(f, found.checkpoint);
      if (f.kind === 'spill') {
        // The reader the owner delivers spill files with, from the records already delivered.
        const cursor = openReplayCursor(f.path, {
          from: { records: skip },
          encryption: keys?.encryption,
          onProblem: (p) => options.onProblem?.(spillProblem(p)),
        });
        try {
          for (let b = await cursor.next(2048); b !== null; b = await cursor.next(2048))
            yield { slot, path: f.path, records: b.records };
        } finally {
          await cursor.close();
        }
        continue;
      }
      const decoder = new BatchDecoder();
      const frames = segmentFrames(f.path, (p) => options.onProblem?.(p), keys?.cipher);
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

async function inspectFile(
  f: SlotFiles['files'][number],
  cp: SlotFiles['checkpoint'],
  decode: boolean,
  slot: WalSlotInspection,
  keys: ReaderKeys | undefined,
): Promise<WalFileInspection | undefined> {
  const report: WalFileInspection = { ...f, records: 0, recordsPending: 0 };
  const delivered = deliveredIn(f, cp);
  if (f.kind === 'spill') return inspectSpill(report, delivered, decode, slot, keys);
  if (!fs.existsSync(f.path)) return undefined;
  const decoder = new BatchDecoder();
  const onProblem = (p: WalProblem) => {
    slot.problems.push(p);
    // Intact, only unreadable without its key: still pending (the owner keeps such a segment).
    if (p.kind === 'undecryptable') {
      report.records += p.records;
      if (p.offset + p.length > delivered) report.recordsPending += p.records;
    }
  };
  for await (const frame of segmentFrames(f.path, onProblem, keys?.cipher)) {
    report.records += frame.count;
    if (frame.end <= delivered) continue;
    report.recordsPending += frame.count;
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
  keys: ReaderKeys | undefined,
): Promise<WalFileInspection | undefined> {
  let table: Awaited<ReturnType<typeof readFrameTable>>;
  try {
    table = await readFrameTable(report.path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  report.records = table.frames.reduce((n, fr) => n + fr.records, 0);
  report.recordsPending = Math.max(0, report.records - delivered);
  const problems = table.problems.filter((p) => p.kind !== 'index').map(spillProblem);
  if (decode) {
    problems.length = 0;
    const batches = readLogRecordBatches(report.path, {
      encryption: keys?.encryption,
      onProblem: (p) => {
        if (p.kind !== 'index') problems.push(spillProblem(p));
      },
    });
    // Decoding every record is the check: the records themselves are not needed.
    for await (const _batch of batches);
  }
  slot.problems.push(...problems);
  if (report.recordsPending > 0 && slot.oldestPendingTimeUnixNano === undefined)
    slot.oldestPendingTimeUnixNano = table.frames.find((fr) => fr.records > 0)?.minTimeUnixNano;
  return report;
}

/** The keys of a read-only reader: for spill files as given, for WAL frames as a cipher. */
interface ReaderKeys {
  encryption: Pick<EncryptionOptions, 'keys'>;
  cipher: SyncFrameCipher;
}

function readKeys(encryption: Pick<EncryptionOptions, 'keys'> | undefined): ReaderKeys | undefined {
  if (encryption === undefined) return undefined;
  return { encryption, cipher: new SyncFrameCipher(encryption, false) };
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
