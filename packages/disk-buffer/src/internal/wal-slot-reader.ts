import * as fs from 'node:fs';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { type FrameProblem, isProcessAlive, type SyncFrameCipher } from '@spillway/file-exporter';
import type { WalLockOwner, WalProblem, WalSlotInspection } from '../wal-inspect';
import { type CheckpointRead, readCheckpointSync } from './checkpoint';
import { FOREIGN_STALE_MILLIS, readHolder } from './dir-lock';
import { bufferFileOf } from './directory-listing';
import { FrameReader } from './frame-reader';
import { parseSegmentFileName, parseSegmentHeader, SEGMENT_HEADER_BYTES } from './wal-format';

/*
 * The read-only primitives of wal-inspect.ts: a slot's files in delivery order, its checkpoint
 * (trusted as recovery trusts it), its lock's owner, and a segment's frames through the buffer's
 * own FrameReader. Files are opened read-only; nothing here writes, cuts or locks.
 */

/** A slot's buffer files in seq (delivery) order, and its checkpoint. */
export interface SlotFiles {
  directory: string;
  files: Array<{ kind: 'wal' | 'spill'; seq: number; path: string; bytes: number }>;
  checkpoint: WalSlotInspection['checkpoint'];
  hasFiles: boolean;
}

export function slotFiles(directory: string): SlotFiles {
  let names: string[];
  try {
    // Sorted as recovery lists them, so both adopt the same one of two spill files of a seq.
    names = fs.readdirSync(directory).sort();
  } catch {
    return { directory, files: [], checkpoint: { state: 'missing' }, hasFiles: false };
  }
  const bySeq = new Map<number, SlotFiles['files'][number]>();
  let hasFiles = false;
  for (const name of names) {
    const st = fs.lstatSync(join(directory, name), { throwIfNoEntry: false });
    if (!st?.isFile()) continue;
    hasFiles = true;
    const file = bufferFileOf(name);
    if (file === undefined || file.kind === 'idx') continue;
    const path = join(directory, name);
    const held = bySeq.get(file.seq);
    // A spill of a seq wins over a segment of the same seq (its segment is removed at start-up);
    // of two spill files of a seq, the first is the one recovery adopts.
    if (held === undefined || (held.kind === 'wal' && file.kind === 'spill'))
      bySeq.set(file.seq, { kind: file.kind, seq: file.seq, path, bytes: st.size });
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
export function checkpointOf(
  read: CheckpointRead,
  files: SlotFiles['files'],
): SlotFiles['checkpoint'] {
  if (read.state !== 'ok') return read;
  const oldest = files[0];
  const cp = read.checkpoint;
  const trusted = oldest !== undefined && oldest.seq === cp.seq && oldest.kind === cp.kind;
  return { state: 'ok', kind: cp.kind, seq: cp.seq, position: cp.position, trusted };
}

/** Bytes (segment) or records (spill) of `f` already delivered. */
export function deliveredIn(f: { kind: string; seq: number }, cp: SlotFiles['checkpoint']): number {
  if (cp.state !== 'ok' || !cp.trusted || cp.seq !== f.seq || cp.kind !== f.kind) return 0;
  return cp.position;
}

export function lockOwner(path: string): WalLockOwner | undefined {
  if (!fs.existsSync(path)) return undefined;
  const h = readHolder(path);
  const owner: WalLockOwner = { state: 'unreadable', heartbeatAgeMillis: h.ageMillis };
  if (h.pid === undefined) return owner;
  owner.pid = h.pid;
  if (h.host !== undefined) owner.host = h.host;
  const foreign = h.host !== undefined && h.host !== hostname();
  const running = foreign ? h.ageMillis < FOREIGN_STALE_MILLIS : isProcessAlive(h.pid);
  owner.state = running ? 'running' : 'gone';
  return owner;
}

export interface SegmentFrame {
  offset: number;
  end: number;
  count: number;
  payload: Buffer;
}

/**
 * The valid frames of a segment (encrypted ones decrypted with `cipher`), read-only; damage and
 * frames that cannot be decrypted go to `onProblem`. Empty when it is gone.
 */
export async function* segmentFrames(
  path: string,
  onProblem: (p: WalProblem) => void,
  cipher?: SyncFrameCipher,
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
        message: `segment of format version ${header.version} (this release reads versions 1 and 2): not read`,
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
    const reader = new FrameReader(fh, SEGMENT_HEADER_BYTES, {
      cipher,
      encrypted: header.state === 'ok' ? header.encrypted : undefined,
    });
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
      } else if (r.kind === 'undecryptable') {
        onProblem({
          kind: 'undecryptable',
          path,
          offset: r.offset,
          length: r.end - r.offset,
          records: r.header.count,
          message: `frame at offset ${r.offset} (${r.header.count} records): ${r.reason}`,
        });
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

export function spillProblem(p: FrameProblem): WalProblem {
  const { path, offset, length, records, message } = p;
  return { kind: 'spill', path, offset, length, records, message: `${p.kind}: ${message}` };
}

export function undecodable(
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
