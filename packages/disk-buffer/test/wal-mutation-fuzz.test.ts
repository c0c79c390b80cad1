import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scaled } from '@spillway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiskBufferOptions } from '../src/types';
import { removeTempDirs, tempDir } from './helpers/records';
import { drain, fillDirectory } from './helpers/wal-files';

// Mutation fuzz over a real WAL directory: a directory written by the exporter is copied, damaged
// (bit flips, truncations, insertions of random bytes or of bytes copied from earlier in the
// file, deletions, swapped segment names, a damaged checkpoint), and reopened. Whatever the
// damage: the exporter starts, never hangs, delivers every frame left intact (and only records
// that were written), counts no more corrupt records than were written (nor any record both
// delivered and counted corrupt), and drains to 0 pending.
//
// The same over a directory written with encryption on (encrypted frames, segment version 2),
// at a quarter of the runs: resync and damage counting must not depend on the frame kind.
//
// Short mode: 40 (+ 10 encrypted) mutated directories; SPILLWAY_LONG=1: 200 (+ 50). Longer runs:
// SPILLWAY_FUZZ_RUNS=100000 (and optionally SPILLWAY_FUZZ_SEED) — `SPILLWAY_FUZZ_RUNS=100000 npx vitest run --project
// disk-buffer test/wal-mutation-fuzz.test.ts`.

const RUNS = scaled(40, 200, 'SPILLWAY_FUZZ_RUNS');
const ENCRYPTED_RUNS = Math.max(1, Math.round(RUNS / 4));
const SEED = Number(process.env.SPILLWAY_FUZZ_SEED ?? 0x5eed);
const BATCHES = 24;
const PER_BATCH = 8;
const WRITTEN = BATCHES * PER_BATCH;

interface Frame {
  /** Offset in the mutated file, or undefined once damaged. */
  offset: number | undefined;
  length: number;
  ids: number[];
}
interface File {
  name: string;
  bytes: Buffer;
  frames: Frame[];
}

/** A pristine directory of one mode: its files and the record ids of each frame. */
interface Mode {
  name: string;
  runs: number;
  /** Frame header bytes: 24 plain, 40 encrypted. */
  header: number;
  options: Partial<DiskBufferOptions>;
  pristine: Array<{ name: string; bytes: Buffer }>;
  /** The record ids in each frame of each segment, in write order (ids are batch order). */
  frameIds: Map<string, number[][]>;
}

const KEYS = { keys: [{ id: 4, key: Buffer.alloc(32, 0x5a) }], activeKeyId: 4 };
const MODES: Mode[] = [
  { name: 'plain', runs: RUNS, header: 24, options: {}, pristine: [], frameIds: new Map() },
  {
    name: 'encrypted',
    runs: ENCRYPTED_RUNS,
    header: 40,
    options: { encryption: KEYS },
    pristine: [],
    frameIds: new Map(),
  },
];

beforeAll(async () => {
  for (const mode of MODES) {
    const dir = tempDir();
    await fillDirectory(dir, BATCHES, PER_BATCH, 64 * 1024, mode.options);
    mode.pristine = readdirSync(dir)
      .filter((n) => n.endsWith('.wal') || n === 'checkpoint')
      .sort()
      .map((name) => ({ name, bytes: readFileSync(join(dir, name)) }));
    let next = 0;
    const h = mode.header;
    for (const f of mode.pristine) {
      if (!f.name.endsWith('.wal')) continue;
      const ids: number[][] = [];
      for (let at = 32; at + h <= f.bytes.length; at += h + f.bytes.readUInt32LE(at + 8)) {
        const count = f.bytes.readUInt32LE(at + 12);
        ids.push(Array.from({ length: count }, (_, i) => next + i));
        next += count;
      }
      mode.frameIds.set(f.name, ids);
    }
    expect(next).toBe(WRITTEN);
    expect(mode.frameIds.size).toBeGreaterThan(1);
  }
});

afterAll(removeTempDirs);

/** mulberry32: small, seedable, good enough to pick mutations. */
function prng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

function load(mode: Mode): File[] {
  return mode.pristine.map(({ name, bytes }) => {
    const frames: Frame[] = [];
    const ids = mode.frameIds.get(name) ?? [];
    let at = 32;
    for (const group of ids) {
      const length = mode.header + bytes.readUInt32LE(at + 8);
      frames.push({ offset: at, length, ids: group });
      at += length;
    }
    return { name, bytes: Buffer.from(bytes), frames };
  });
}

/** Marks frames overlapping [from, to) damaged and shifts those after `from` by `shift`. */
function touch(f: File, from: number, to: number, shift: number): void {
  for (const fr of f.frames) {
    if (fr.offset === undefined) continue;
    if (fr.offset < to && fr.offset + fr.length > from) fr.offset = undefined;
    else if (fr.offset >= from) fr.offset += shift;
  }
}

function mutate(files: File[], rnd: (n: number) => number): string {
  const f = files[rnd(files.length)]!;
  const len = f.bytes.length;
  const at = rnd(len + 1);
  switch (rnd(6)) {
    case 0: {
      if (len === 0) return 'flip (empty file)';
      const i = Math.min(at, len - 1);
      f.bytes[i] = f.bytes[i]! ^ (1 << rnd(8));
      touch(f, i, i + 1, 0);
      return `flip ${f.name}@${i}`;
    }
    case 1: {
      f.bytes = f.bytes.subarray(0, at);
      touch(f, at, Number.POSITIVE_INFINITY, 0);
      return `truncate ${f.name}@${at}`;
    }
    case 2: {
      const n = 1 + rnd(64);
      const junk = Buffer.from(Array.from({ length: n }, () => rnd(256)));
      f.bytes = Buffer.concat([f.bytes.subarray(0, at), junk, f.bytes.subarray(at)]);
      touch(f, at + 1, at + 1, n);
      if (at === 0 || f.frames.every((fr) => fr.offset !== at + n)) touch(f, at, at, 0);
      return `insert ${n} random bytes ${f.name}@${at}`;
    }
    case 3: {
      // Bytes from earlier in the file (often whole old frames: stale copies, forged headers).
      const start = rnd(at + 1);
      const copy = Buffer.from(f.bytes.subarray(start, Math.min(at, start + 1 + rnd(8192))));
      f.bytes = Buffer.concat([f.bytes.subarray(0, at), copy, f.bytes.subarray(at)]);
      touch(f, at + 1, at + 1, copy.length);
      return `insert ${copy.length} copied bytes ${f.name}@${at}`;
    }
    case 4: {
      const n = 1 + rnd(Math.max(1, Math.min(4096, len - at)));
      f.bytes = Buffer.concat([f.bytes.subarray(0, at), f.bytes.subarray(at + n)]);
      touch(f, at, at + n, -n);
      return `delete ${n} ${f.name}@${at}`;
    }
    default: {
      const segs = files.filter((x) => x.name.endsWith('.wal'));
      const a = segs[rnd(segs.length)]!;
      const b = segs[rnd(segs.length)]!;
      [a.name, b.name] = [b.name, a.name];
      return `swap ${a.name} ${b.name}`;
    }
  }
}

describe.each(MODES)('WAL mutation fuzz ($name frames)', (mode) => {
  it(
    `should recover and deliver every intact frame of ${mode.runs} mutated directories`,
    async () => {
      const started = Date.now();
      for (let run = 0; run < mode.runs; run++) {
        const seed = SEED + run;
        const rnd = prng(seed);
        const files = load(mode);
        const steps = Array.from({ length: 1 + rnd(4) }, () => mutate(files, rnd));
        const dir = tempDir();
        for (const f of files) writeFileSync(join(dir, `${f.name}.new`), f.bytes);
        for (const f of files) renameSync(join(dir, `${f.name}.new`), join(dir, f.name));
        const what = `seed ${seed}: ${steps.join('; ')}`;
        const { down, exporter } = await drain(dir, {
          shutdownTimeoutMillis: 1_000,
          fsync: 'never',
          ...mode.options,
        }).catch((err: Error) => {
          throw new Error(`${what}: ${err.message}`);
        });
        const delivered = new Set(down.ids());
        const intact = files.flatMap((f) =>
          f.frames.filter((fr) => fr.offset !== undefined).flatMap((fr) => fr.ids),
        );
        const s = exporter.getStats();
        expect(
          intact.filter((id) => !delivered.has(id)),
          what,
        ).toEqual([]);
        expect(
          [...delivered].filter((id) => !(id >= 0 && id < WRITTEN)),
          what,
        ).toEqual([]);
        expect(s.dropped.corrupt.total, what).toBeLessThanOrEqual(WRITTEN);
        expect(s.recordsPending, what).toBe(0);
        // Damage is never taken for a missing key: nothing held back, every segment read.
        expect(s.skippedFiles, what).toBe(0);
        // Reconciles: no record is both delivered and counted lost, none counted twice.
        expect(delivered.size + s.dropped.corrupt.total, what).toBeLessThanOrEqual(WRITTEN);
        await exporter.shutdown();
        if (run % 50 === 49) removeTempDirs();
      }
      console.log(
        `wal mutation fuzz (${mode.name}): ${mode.runs} directories in ${Date.now() - started} ms`,
      );
    },
    Math.max(120_000, mode.runs * 1_000),
  );
});
