import * as fs from 'node:fs';
import { join } from 'node:path';
import { replaceFileAtomically } from '@spillway/file-exporter';
import { crc32 } from '@spillway/record-format';
import { FileDeleter } from './file-deleter';
import { readU64 } from './wal-format';

/**
 * The delivery checkpoint: everything before (seq, position) has been delivered. `position` is a
 * byte offset (at a frame boundary) in a WAL segment, or a count of records already delivered from
 * a spill file. Replaced atomically (`replaceFileAtomically` of @spillway/file-exporter): temp file
 * `checkpoint.tmp-<pid>`, fsync, rename, fsync of the directory.
 *
 *   0  u32 magic "SPCK"   4  u8 version   5  u8 kind (0 = WAL offset, 1 = spill records)
 *   6  u16 zero   8  u64 seq   16 u64 position   24 u32 CRC-32 of bytes [0, 24)   28 u32 zero
 */

export const CHECKPOINT_FILE = 'checkpoint';
const MAGIC = 0x4b435053; // "SPCK"
const VERSION = 1;
const BYTES = 32;

export interface Checkpoint {
  seq: number;
  kind: 'wal' | 'spill';
  position: number;
}

export type CheckpointRead =
  | { state: 'ok'; checkpoint: Checkpoint }
  | { state: 'missing' }
  | { state: 'corrupt'; reason: string };

export function encodeCheckpoint(cp: Checkpoint): Buffer {
  const b = Buffer.alloc(BYTES);
  b.writeUInt32LE(MAGIC, 0);
  b[4] = VERSION;
  b[5] = cp.kind === 'wal' ? 0 : 1;
  b.writeUInt32LE(cp.seq % 0x100000000, 8);
  b.writeUInt32LE(Math.floor(cp.seq / 0x100000000), 12);
  b.writeUInt32LE(cp.position % 0x100000000, 16);
  b.writeUInt32LE(Math.floor(cp.position / 0x100000000), 20);
  b.writeUInt32LE(crc32(b, 0, 24), 24);
  return b;
}

export function readCheckpointSync(directory: string): CheckpointRead {
  let b: Buffer;
  try {
    b = fs.readFileSync(join(directory, CHECKPOINT_FILE));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'missing' };
    return { state: 'corrupt', reason: (err as Error).message };
  }
  if (b.length !== BYTES)
    return { state: 'corrupt', reason: `${b.length} bytes, expected ${BYTES}` };
  if (b.readUInt32LE(0) !== MAGIC) return { state: 'corrupt', reason: 'bad magic' };
  if (b[4] !== VERSION) return { state: 'corrupt', reason: `unknown version ${b[4]}` };
  if (b.readUInt32LE(24) !== crc32(b, 0, 24))
    return { state: 'corrupt', reason: 'checksum mismatch' };
  return {
    state: 'ok',
    checkpoint: {
      kind: b[5] === 0 ? 'wal' : 'spill',
      seq: readU64(b, 8),
      position: readU64(b, 16),
    },
  };
}

/**
 * Writes checkpoints without ever running two at once; a request made while one is being written
 * is coalesced into the next write.
 */
export class CheckpointStore {
  private writing: Promise<void> | undefined;
  private next: Checkpoint | undefined;
  private last: Checkpoint | undefined;

  constructor(
    private readonly directory: string,
    private readonly durable: boolean,
  ) {}

  /** Persists `cp` (or a later one) and resolves when it is on disk. */
  save(cp: Checkpoint): Promise<void> {
    this.next = cp;
    this.writing ??= this.drain().finally(() => {
      this.writing = undefined;
    });
    return this.writing;
  }

  private async drain(): Promise<void> {
    while (this.next !== undefined) {
      const cp = this.next;
      this.next = undefined;
      if (
        this.last !== undefined &&
        this.last.seq === cp.seq &&
        this.last.kind === cp.kind &&
        this.last.position === cp.position
      ) {
        continue;
      }
      await this.write(cp);
      this.last = cp;
    }
  }

  private write(cp: Checkpoint): Promise<void> {
    return replaceFileAtomically(join(this.directory, CHECKPOINT_FILE), encodeCheckpoint(cp), {
      durable: this.durable,
    });
  }
}

const TEMP_RE = /^checkpoint\.tmp-\d+$/;

/**
 * Removes the temp files of checkpoint writes that a killed process left in `directory`. Call it
 * holding the directory's lock: then no other process is writing one. (`checkpoint.tmp`, the temp
 * name of older versions, is removed by the directory listing with the other `*.tmp` files.)
 */
export function removeCheckpointTempsSync(directory: string): void {
  for (const name of fs.readdirSync(directory)) {
    if (!TEMP_RE.test(name)) continue;
    const path = join(directory, name);
    if (fs.lstatSync(path, { throwIfNoEntry: false })?.isFile()) FileDeleter.leftover(path);
  }
}
