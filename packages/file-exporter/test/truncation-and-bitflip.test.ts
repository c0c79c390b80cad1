import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CompressedFileWriter,
  createReadStats,
  type FrameInfo,
  readFrameTable,
  readLogRecords,
} from '../src/index';
import { generatedRecords, tempDir } from './helpers';

// Properties over every crash point and every single-byte corruption of one file of 6 frames,
// written plain (56-byte version 1 headers) and encrypted and chained (104-byte version 2 headers).
const ENCRYPTION = { keys: [{ id: 5, key: Buffer.alloc(32, 5) }], activeKeyId: 5 };
const MODES = [
  { name: 'plain', sealing: {}, header: 56 },
  { name: 'encrypted and chained', sealing: { encryption: ENCRYPTION, chain: {} }, header: 104 },
];

let bytes: Buffer;
let index: Buffer;
let frames: FrameInfo[];
let dir: string;

describe.each(MODES)('readLogRecords on $name frames', ({ sealing, header }) => {
  beforeAll(async () => {
    dir = tempDir();
    const path = join(dir, 'base.zst');
    const w = await CompressedFileWriter.create(path, sealing);
    const records = generatedRecords(600);
    for (let i = 0; i < 6; i++) {
      w.appendRecords(records.slice(i * 100, i * 100 + 100));
      await w.cutFrame();
    }
    await w.close();
    bytes = readFileSync(path);
    index = readFileSync(`${path}.idx`);
    frames = (await readFrameTable(path)).frames;
  });

  let n = 0;
  async function readIds(content: Buffer, withIndex: boolean) {
    const path = join(dir, `case-${n++}.zst`);
    writeFileSync(path, content);
    if (withIndex) writeFileSync(`${path}.idx`, index);
    const stats = createReadStats();
    const ids: number[] = [];
    for await (const r of readLogRecords(path, { stats, encryption: ENCRYPTION }))
      ids.push(r.attributes['test.id'] as number);
    return { ids, problems: stats.problems.filter((p) => p.kind !== 'index') };
  }

  it('should return exactly the complete frames before any crash point, and report a torn tail', async () => {
    await fc.assert(
      fc.asyncProperty(
        // Random points, and every frame boundary and its neighbours.
        fc.oneof(
          fc.integer({ min: 0, max: 10_000_000 }),
          fc.constantFrom(
            ...frames.flatMap((f) => [f.offset - 1, f.offset, f.offset + 1, f.offset + header]),
          ),
        ),
        fc.boolean(),
        async (at, withIndex) => {
          const cut = Math.max(0, at) % (bytes.length + 1);
          const { ids, problems } = await readIds(bytes.subarray(0, cut), withIndex);
          const complete = frames.filter((f) => f.offset + f.length <= cut).length;
          expect(ids).toEqual(Array.from({ length: complete * 100 }, (_, i) => i));
          const boundary = cut === 0 || frames.some((f) => f.offset + f.length === cut);
          // A cut at a boundary looks whole, unless the index lists the frames cut off.
          const silent = boundary && (!withIndex || cut === bytes.length);
          expect(problems.map((p) => p.kind)).toEqual(silent ? [] : ['torn']);
          // The records lost are counted exactly when the index knows them, never 0.
          const lost = problems.reduce((n, p) => n + p.records, 0);
          // (A cut inside the first header leaves nothing to show the index is this file's.)
          if (withIndex && cut >= 56) expect(lost).toBe(600 - complete * 100);
          else if (withIndex) expect(problems[0]).toMatchObject({ recordsUnknown: true });
          else if (!silent) expect(lost).toBeGreaterThanOrEqual(1);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('should lose at most the damaged frame when any single byte is flipped', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 1, max: 255 }),
        fc.boolean(),
        async (at, xor, withIndex) => {
          const pos = at % bytes.length;
          const damaged = Buffer.from(bytes);
          damaged[pos]! ^= xor;
          const { ids, problems } = await readIds(damaged, withIndex);
          const hit = frames.findIndex((f) => pos >= f.offset && pos < f.offset + f.length);
          const expected = Array.from({ length: 600 }, (_, i) => i).filter(
            (i) => Math.floor(i / 100) !== hit,
          );
          expect(ids).toEqual(expected);
          expect(problems).toHaveLength(1);
          expect(problems[0]).toMatchObject({ kind: 'corrupt', offset: frames[hit]!.offset });
          // Counted exactly from the header or the index; a lower bound (never 0) without both.
          const inHeader = pos - frames[hit]!.offset < header;
          if (withIndex || !inHeader) expect(problems[0]!.records).toBe(100);
          else expect(problems[0]).toMatchObject({ records: 1, recordsUnknown: true });
        },
      ),
      { numRuns: 80 },
    );
  });
});
