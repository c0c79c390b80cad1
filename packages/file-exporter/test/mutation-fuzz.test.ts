import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scaled } from '@spillway/testing';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CompressedFileWriter,
  createReadStats,
  type FrameInfo,
  listCompressedFiles,
  readFrames,
  readLogRecords,
  verifyCompressedFile,
  ZstdFileLogRecordExporter,
} from '../src/index';
import { exportAll, generatedRecords, indexEntries, tempDir } from './helpers';

/*
 * Mutation fuzz of real files: one written by ZstdFileLogRecordExporter (many small frames) and
 * one shaped as the disk buffer writes its spill (CompressedFileWriter, one 8 MiB-frame file of
 * 1,025 records, one line per WAL batch). Each input applies up to three byte flips, insertions
 * (shorter than a frame header) or deletions, maybe a truncation, and maybe damage to the .idx
 * (a flip, a cut, two entries swapped, another file's index, none at all). Then the reader and
 * verifyCompressedFile must: not throw or hang, return every record of every frame the mutations
 * did not touch (and nothing twice or invented), count at least one lost record per damaged frame,
 * count no more than was written, and count exactly when the index is intact and offsets did not
 * move. SPILLWAY_FUZZ_RUNS sets the number of inputs (default 60; SPILLWAY_LONG=1: 300).
 */

const RUNS = scaled(60, 300, 'SPILLWAY_FUZZ_RUNS');
// Files 1 and 3 are files 0 and 2 written encrypted and chained: the same guarantees hold.
const ENCRYPTION = { keys: [{ id: 3, key: Buffer.alloc(32, 7) }], activeKeyId: 3 };
const READ_DEADLINE_MS = 10_000;

interface Original {
  name: string;
  bytes: Buffer;
  index: Buffer;
  frames: Array<FrameInfo & { ids: number[] }>;
  total: number;
}

const originals: Original[] = [];
let work: string;

async function describeFile(path: string): Promise<Original> {
  const frames: Original['frames'] = [];
  for await (const f of readFrames(path, { encryption: ENCRYPTION })) {
    const ids: number[] = [];
    for (const line of f.lines) {
      for (const rl of JSON.parse(line).resourceLogs)
        for (const sl of rl.scopeLogs)
          for (const lr of sl.logRecords) ids.push(testId(lr.attributes));
    }
    frames.push({ ...f, rawLength: f.rawLength, lines: f.lines.length, checksum: 0, ids });
  }
  return {
    name: path.split('/').pop()!,
    bytes: readFileSync(path),
    index: readFileSync(`${path}.idx`),
    frames,
    total: frames.reduce((n, f) => n + f.records, 0),
  };
}

function testId(attributes: Array<{ key: string; value: { intValue?: string } }>): number {
  return Number(attributes.find((a) => a.key === 'test.id')?.value.intValue);
}

beforeAll(async () => {
  const dir = tempDir();
  const directory = join(dir, 'exporter');
  const exporter = new ZstdFileLogRecordExporter({
    directory,
    frameBytes: 16 * 1024,
    flushIntervalMillis: 60_000,
    minFreeBytes: 0,
  });
  await exportAll(exporter, generatedRecords(1200, { seed: 11 }), 50);
  await exporter.shutdown();
  const [file] = await listCompressedFiles(directory);
  originals.push(await describeFile(file!.path));
  const sealedDir = join(dir, 'sealed');
  const sealed = new ZstdFileLogRecordExporter({
    directory: sealedDir,
    frameBytes: 16 * 1024,
    flushIntervalMillis: 60_000,
    minFreeBytes: 0,
    encryption: ENCRYPTION,
    chain: true,
  });
  await exportAll(sealed, generatedRecords(1200, { seed: 11 }), 50);
  await sealed.shutdown();
  originals.push(await describeFile((await listCompressedFiles(sealedDir))[0]!.path));

  const spill = join(dir, 'svc-20260101-000000-7.zst');
  const records = generatedRecords(1025, { seed: 12 });
  for (const [path, sealing] of [
    [spill, {}],
    [join(dir, 'svc-20260101-000000-8.zst'), { encryption: ENCRYPTION, chain: {} }],
  ] as const) {
    const writer = await CompressedFileWriter.create(path, {
      frameBytes: 8 * 1024 * 1024,
      ...sealing,
    });
    for (let i = 0; i < records.length; i += 100) writer.appendRecords(records.slice(i, i + 100));
    await writer.close();
    originals.push(await describeFile(path));
  }
  work = join(dir, 'cases');
  mkdirSync(work);
});

const zstMutation = fc.oneof(
  fc.record({
    kind: fc.constant('flip' as const),
    pos: fc.nat(),
    xor: fc.integer({ min: 1, max: 255 }),
  }),
  fc.record({
    kind: fc.constant('insert' as const),
    pos: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 40 }),
  }),
  fc.record({
    kind: fc.constant('delete' as const),
    pos: fc.nat(),
    len: fc.integer({ min: 1, max: 64 }),
  }),
);
const idxMutation = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  fc.record({
    kind: fc.constant('flip' as const),
    pos: fc.nat(),
    xor: fc.integer({ min: 1, max: 255 }),
  }),
  fc.record({ kind: fc.constant('cut' as const), pos: fc.nat() }),
  fc.record({ kind: fc.constant('swap' as const), a: fc.nat(), b: fc.nat() }),
  fc.constant({ kind: 'other' as const }),
  fc.constant({ kind: 'missing' as const }),
);
const input = fc.record({
  file: fc.integer({ min: 0, max: 3 }),
  mutations: fc.array(zstMutation, { maxLength: 3 }),
  truncate: fc.option(fc.nat(), { nil: undefined }),
  idx: idxMutation,
});
type Input = typeof input extends fc.Arbitrary<infer T> ? T : never;

/** The damaged bytes and which original frames they touch (positions in original coordinates). */
function mutate(o: Original, inp: Input) {
  let bytes = Buffer.from(o.bytes);
  const damaged = new Set<number>();
  // Positions past the cut are filtered out below; a frame with less than a header left is gone.
  const frameAt = (pos: number) =>
    o.frames.findIndex((f) => pos >= f.offset && pos < f.offset + f.length);
  let removedFrom = bytes.length;
  if (inp.truncate !== undefined) {
    removedFrom = inp.truncate % bytes.length;
    bytes = bytes.subarray(0, removedFrom);
    // A frame cut with less than a header left leaves nothing to recognise it by: it counts as
    // removed, like the frames after the cut (lost uncounted unless the index shows them).
    o.frames.forEach((f, i) => {
      if (f.offset + 56 <= removedFrom && f.offset + f.length > removedFrom) damaged.add(i);
    });
  }
  const muts = inp.mutations
    .map((m) => ({ ...m, pos: m.pos % Math.max(1, bytes.length) }))
    .filter((m) => m.pos < bytes.length)
    .sort((a, b) => b.pos - a.pos);
  const mark = (i: number) => {
    if (o.frames[i]!.offset + 56 <= removedFrom) damaged.add(i);
  };
  let offsetsMoved = false;
  for (const m of muts) {
    if (m.kind === 'flip') {
      bytes[m.pos]! ^= m.xor;
      mark(frameAt(m.pos));
    } else if (m.kind === 'insert') {
      bytes = Buffer.concat([
        bytes.subarray(0, m.pos),
        Buffer.from(m.bytes),
        bytes.subarray(m.pos),
      ]);
      const f = frameAt(m.pos);
      if (o.frames[f]!.offset !== m.pos) mark(f);
      offsetsMoved = true;
    } else {
      const end = Math.min(bytes.length, m.pos + m.len);
      bytes = Buffer.concat([bytes.subarray(0, m.pos), bytes.subarray(end)]);
      o.frames.forEach((f, i) => {
        if (f.offset < end && f.offset + f.length > m.pos) mark(i);
      });
      offsetsMoved = true;
    }
  }
  return { bytes, damaged, removedFrom, offsetsMoved };
}

function mutateIndex(o: Original, other: Original, m: Input['idx']): Buffer | undefined {
  const idx = Buffer.from(o.index);
  const entries = indexEntries(idx);
  switch (m.kind) {
    case 'none':
      return idx;
    case 'flip':
      idx[m.pos % idx.length]! ^= m.xor;
      return idx;
    case 'cut':
      return idx.subarray(0, m.pos % idx.length);
    case 'swap': {
      // Entries differ in length (their trace filters): swap them whole.
      const a = m.a % entries.length;
      const b = m.b % entries.length;
      const swapped = [...entries];
      swapped[a] = entries[b]!;
      swapped[b] = entries[a]!;
      return Buffer.concat([idx.subarray(0, 16), ...swapped]);
    }
    case 'other':
      return other.index;
    case 'missing':
      return undefined;
  }
}

function withDeadline<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} hung for ${READ_DEADLINE_MS} ms`)),
      READ_DEADLINE_MS,
    );
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

let n = 0;
const totals = { inputs: 0, damagedFrames: 0, recordsLost: 0, lowerBounds: 0 };

describe('readLogRecords and verifyCompressedFile on mutated files', () => {
  it(`should recover every intact frame and count what is lost (${RUNS} inputs)`, async () => {
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(input, async (inp) => {
        const o = originals[inp.file]!;
        const { bytes, damaged, removedFrom, offsetsMoved } = mutate(o, inp);
        const index = mutateIndex(o, originals[inp.file ^ 1]!, inp.idx);
        const path = join(work, `${n++}-${o.name}`);
        writeFileSync(path, bytes);
        if (index) writeFileSync(`${path}.idx`, index);

        const stats = createReadStats();
        const ids = await withDeadline(
          (async () => {
            const out: number[] = [];
            for await (const r of readLogRecords(path, { stats, encryption: ENCRYPTION }))
              out.push(r.attributes['test.id'] as number);
            return out;
          })(),
          'readLogRecords',
        );
        const report = await withDeadline(
          verifyCompressedFile(path, { encryption: ENCRYPTION }),
          'verifyCompressedFile',
        );

        const written = new Set(o.frames.flatMap((f) => f.ids));
        expect(new Set(ids).size).toBe(ids.length);
        for (const id of ids) expect(written.has(id)).toBe(true);
        const got = new Set(ids);
        o.frames.forEach((f, i) => {
          if (damaged.has(i) || f.offset + f.length > removedFrom) return;
          for (const id of f.ids) expect(got.has(id)).toBe(true);
        });
        expect(stats.recordsLost).toBeGreaterThanOrEqual(damaged.size);
        expect(ids.length + stats.recordsLost).toBeLessThanOrEqual(o.total);
        // Exact when the index is intact, offsets did not move, and an intact frame is left to
        // show that the index belongs to the file.
        const intactLeft = o.frames.some(
          (f, i) => !damaged.has(i) && f.offset + f.length <= removedFrom,
        );
        const exact = inp.idx.kind === 'none' && !offsetsMoved && intactLeft;
        if (exact) {
          expect(stats.recordsLostUnknown).toBe(false);
          expect(ids.length + stats.recordsLost).toBe(o.total);
        }
        if (damaged.size > 0) expect(report.ok).toBe(false);
        rmSync(path, { force: true });
        rmSync(`${path}.idx`, { force: true });
        totals.inputs++;
        totals.damagedFrames += damaged.size;
        totals.recordsLost += stats.recordsLost;
        if (stats.recordsLostUnknown) totals.lowerBounds++;
      }),
      { numRuns: RUNS },
    );
    console.info(
      `mutation fuzz: ${totals.inputs} inputs, ${totals.damagedFrames} damaged frames, ${totals.recordsLost} records counted lost (${totals.lowerBounds} inputs with a lower bound), ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  }, 3_600_000);
});
