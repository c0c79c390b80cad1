import * as fs from 'node:fs';
import { join } from 'node:path';
import { parseCompressedFileName } from '@spillway/file-exporter';
import type { Counters } from './counters';
import { FileDeleter } from './file-deleter';
import type { Ledger, SpillEntry, WalEntry } from './ledger';
import { parseSegmentFileName, parseSegmentHeader, SEGMENT_HEADER_BYTES } from './wal-format';

/*
 * Recovery step 1, at construction (synchronous: one readdir, one lstat per file, 32 bytes read
 * per segment): what a previous run left, registered in the ledger as closed and unscanned.
 *
 *   *.tmp, *.zst.tmp.idx (regular)     interrupted writes: removed
 *   <seq>.wal (regular, version 1)     segment (unless a spill of its seq won: removed)
 *   <seq>.wal of an unknown version    left alone, counted, warned: a newer release wrote it
 *   <name>.spill-<seq>.zst (regular)   spill file (<name>-<seq>.zst: as written by releases before
 *                                      the spill field, still adopted)
 *   a second spill file of one seq     left alone, counted, warned (only a copy makes one)
 *   <spill>.zst.idx without .zst       orphan of a spill interrupted between its renames: removed
 *   anything else non-regular under
 *   one of these names                 left alone, counted, warned; its seq is never reused
 */

export interface ListedDirectory {
  /** Seq for the first new segment: after every seq named in the directory. */
  nextSeq: number;
  /** Old segments, in seq order. */
  segments: WalEntry[];
  /** Old spill files, in seq order. */
  spills: SpillEntry[];
}

const TEMP_RE = /\.tmp(\.idx)?$/;

/** Lists `directory` into `ledger`; never throws for what the files hold. */
export function listDirectory(
  directory: string,
  ledger: Ledger,
  counters: Counters,
): ListedDirectory {
  let maxSeq = 0;
  // Sorted: which of two spill files of one seq is adopted does not depend on the file system.
  const names = fs.readdirSync(directory).sort();
  const regular = new Set<string>();
  const stats = new Map<string, fs.Stats>();
  for (const name of names) {
    const st = fs.lstatSync(join(directory, name), { throwIfNoEntry: false });
    if (st === undefined) continue;
    stats.set(name, st);
    if (st.isFile()) regular.add(name);
  }
  const spills: SpillEntry[] = [];
  const segmentNames: Array<[number, string]> = [];
  for (const name of names) {
    const path = join(directory, name);
    const st = stats.get(name);
    if (st === undefined) continue;
    const seq = bufferFileOf(name);
    if (seq !== undefined) maxSeq = Math.max(maxSeq, seq.seq);
    const ours = seq !== undefined || TEMP_RE.test(name);
    if (!ours) continue;
    // `lock.<pid>.tmp` belongs to a process taking the lock right now: not ours to remove.
    if (name.startsWith('lock.')) continue;
    if (!st.isFile()) {
      counters.skip(path, `not a regular file (${kindOf(st)}): left alone`);
      continue;
    }
    if (TEMP_RE.test(name)) {
      FileDeleter.leftover(path);
      continue;
    }
    if (seq?.kind === 'idx') {
      if (!regular.has(name.slice(0, -'.idx'.length))) FileDeleter.leftover(path);
      continue;
    }
    if (seq?.kind === 'wal') {
      segmentNames.push([seq.seq, name]);
      continue;
    }
    if (seq?.kind === 'spill') {
      const first = ledger.get(seq.seq);
      if (first !== undefined) {
        counters.skip(
          path,
          `a second spill file of seq ${seq.seq} (after ${first.path}): left alone`,
        );
        continue;
      }
      const idx = stats.get(`${name}.idx`);
      spills.push(ledger.listedSpill(seq.seq, path, st.size + (idx?.isFile() ? idx.size : 0)));
    }
  }
  const segments: WalEntry[] = [];
  for (const [seq, name] of segmentNames) {
    const path = join(directory, name);
    if (ledger.get(seq) !== undefined) {
      // A spill of this segment completed (renamed into place) before the crash: the spill wins.
      FileDeleter.leftover(path);
      continue;
    }
    const header = readHeader(path);
    if (header.state === 'unknown-version') {
      counters.skip(
        path,
        `WAL segment of format version ${header.version} (this release reads versions 1 and 2): left alone`,
      );
      continue;
    }
    const encrypted = header.state === 'ok' ? header.encrypted : undefined;
    segments.push(ledger.listedSegment(seq, path, stats.get(name)!.size, encrypted));
  }
  segments.sort((a, b) => a.seq - b.seq);
  spills.sort((a, b) => a.seq - b.seq);
  return { nextSeq: maxSeq + 1, segments, spills };
}

/**
 * The seq a file name carries, and which kind of buffer file that name is. A spill file's seq is
 * its `.spill-<seq>` field; a name without one but with a same-second counter `-<n>` is a spill
 * file of seq n as releases before the field named them (and as a copied exporter file looks:
 * adopted then as now).
 */
export function bufferFileOf(
  name: string,
): { seq: number; kind: 'wal' | 'spill' | 'idx' } | undefined {
  const wal = parseSegmentFileName(name);
  if (wal !== undefined) return { seq: wal, kind: 'wal' };
  const idx = name.endsWith('.zst.idx');
  const zst = idx ? name.slice(0, -'.idx'.length) : name;
  if (!zst.endsWith('.zst')) return undefined;
  const parsed = parseCompressedFileName(zst);
  const seq = parsed?.spillSeq ?? parsed?.n;
  if (seq === undefined || seq === 0) return undefined;
  return { seq, kind: idx ? 'idx' : 'spill' };
}

function readHeader(path: string): ReturnType<typeof parseSegmentHeader> {
  const head = Buffer.alloc(SEGMENT_HEADER_BYTES);
  let fd: number | undefined;
  try {
    fd = fs.openSync(path, 'r');
    fs.readSync(fd, head, 0, SEGMENT_HEADER_BYTES, 0);
  } catch {
    return { state: 'damaged' };
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
  return parseSegmentHeader(head);
}

function kindOf(st: fs.Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  return 'a device';
}

/**
 * Moves a non-regular file (a directory, say) out of the way of a name the buffer must write
 * (`lock`, `checkpoint`, `checkpoint.tmp`), keeping it as `<name>.displaced-<ms>`: start-up never
 * fails for it, and nothing in it is deleted. Returns the new name when it moved one.
 */
export function displaceIfNotFile(path: string): string | undefined {
  const st = fs.lstatSync(path, { throwIfNoEntry: false });
  if (st === undefined || st.isFile()) return undefined;
  const aside = `${path}.displaced-${Date.now()}`;
  try {
    fs.renameSync(path, aside);
  } catch (err) {
    // Another process displaced it first: the name is free either way.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return aside;
}
