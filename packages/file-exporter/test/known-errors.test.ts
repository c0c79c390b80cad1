import {
  closeSync,
  openSync,
  readFileSync,
  statSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CompressedFileWriter,
  createReadStats,
  type FrameProblem,
  readFrames,
  readFrameTable,
  readLogRecords,
  rebuildFrameIndex,
  verifyCompressedFile,
} from '../src/index';
import { generatedRecords, indexEntries, tempDir, withoutTraceFilters } from './helpers';

// One test per named corruption: what a crash or a bad disk leaves, and what readers must do.

/** A file of 5 frames × 100 records. */
async function setup(seed = 7) {
  const path = join(tempDir(), 'svc-20260101-000000.zst');
  const writer = await CompressedFileWriter.create(path, { frameBytes: 1 << 30 });
  const records = generatedRecords(500, { seed });
  for (let i = 0; i < 5; i++) {
    writer.appendRecords(records.slice(i * 100, i * 100 + 100));
    await writer.cutFrame();
  }
  await writer.close();
  const table = await readFrameTable(path);
  return { path, frames: withoutTraceFilters(table.frames) };
}

async function readAll(path: string) {
  const stats = createReadStats();
  const problems: FrameProblem[] = [];
  let records = 0;
  for await (const _ of readLogRecords(path, { stats, onProblem: (p) => problems.push(p) }))
    records++;
  return { records, stats, problems };
}

function flipByte(path: string, offset: number): void {
  const fd = openSync(path, 'r+');
  const b = readFileSync(path);
  writeSync(fd, Buffer.from([b[offset]! ^ 0xff]), 0, 1, offset);
  closeSync(fd);
}

describe('readFrames', () => {
  it('should skip and report a torn last frame (crash while writing)', async () => {
    const { path, frames } = await setup();
    const last = frames[4]!;
    truncateSync(path, last.offset + Math.floor(last.length / 2));
    const { records, problems, stats } = await readAll(path);
    expect(records).toBe(400);
    expect(stats).toMatchObject({ framesTorn: 1, framesCorrupt: 0 });
    const torn = problems.filter((p) => p.kind === 'torn');
    expect(torn).toEqual([
      expect.objectContaining({ kind: 'torn', path, offset: last.offset, records: 100 }),
    ]);
    expect(torn[0]!.message).toContain(`offset ${last.offset}`);
  });

  it('should report a torn frame header at the end of the file', async () => {
    const { path, frames } = await setup();
    truncateSync(path, frames[4]!.offset + 20);
    const { records, problems } = await readAll(path);
    expect(records).toBe(400);
    expect(problems.filter((p) => p.kind !== 'index')).toEqual([
      expect.objectContaining({ kind: 'torn', offset: frames[4]!.offset, length: 20 }),
    ]);
  });

  it('should skip a corrupt middle frame (flipped data byte) and read the frames after it', async () => {
    const { path, frames } = await setup();
    const f = frames[2]!;
    flipByte(path, f.offset + 56 + 100);
    const { records, problems, stats } = await readAll(path);
    expect(records).toBe(400);
    expect(stats).toMatchObject({ framesTorn: 0, framesCorrupt: 1 });
    expect(problems.filter((p) => p.kind !== 'index')).toEqual([
      expect.objectContaining({
        kind: 'corrupt',
        offset: f.offset,
        length: f.length,
        records: 100,
      }),
    ]);
    expect(problems.find((p) => p.kind === 'corrupt')!.message).toMatch(/checksum mismatch/);
  });

  it('should resynchronise after a corrupt frame header when the index is lost', async () => {
    const { path, frames } = await setup();
    unlinkSync(`${path}.idx`);
    flipByte(path, frames[1]!.offset + 20); // inside the header: its checksum fails
    const { records, problems } = await readAll(path);
    expect(records).toBe(400);
    expect(problems.map((p) => p.kind)).toEqual(['index', 'corrupt']);
    expect(problems[1]).toMatchObject({ offset: frames[1]!.offset, length: frames[1]!.length });
  });

  it('should rebuild a lost index by scanning and read everything', async () => {
    const { path, frames } = await setup();
    unlinkSync(`${path}.idx`);
    const table = await readFrameTable(path);
    expect(table.indexedFrames).toBe(0);
    expect(withoutTraceFilters(table.frames)).toEqual(frames);
    expect((await readAll(path)).records).toBe(500);
    await rebuildFrameIndex(path);
    const rebuilt = await readFrameTable(path);
    expect(rebuilt.indexedFrames).toBe(5);
    expect(rebuilt.problems).toEqual([]);
    expect((await verifyCompressedFile(path)).ok).toBe(true);
  });

  it('should scan the frames a stale index lacks', async () => {
    const { path, frames } = await setup();
    const [e0, e1] = indexEntries(readFileSync(`${path}.idx`));
    truncateSync(`${path}.idx`, 16 + e0!.length + e1!.length);
    const table = await readFrameTable(path);
    expect(table.indexedFrames).toBe(2);
    expect(withoutTraceFilters(table.frames)).toEqual(frames);
    expect(table.problems[0]!.message).toMatch(/stale/);
    expect((await readAll(path)).records).toBe(500);
  });

  it('should stop trusting the index at a corrupt entry', async () => {
    const { path, frames } = await setup();
    const entries = indexEntries(readFileSync(`${path}.idx`));
    flipByte(`${path}.idx`, 16 + entries.slice(0, 3).reduce((n, e) => n + e.length, 0) + 4);
    const table = await readFrameTable(path);
    expect(table.indexedFrames).toBe(3);
    expect(withoutTraceFilters(table.frames)).toEqual(frames);
  });

  it('should ignore an index that belongs to another file', async () => {
    const { path } = await setup();
    const other = await setup(8);
    writeFileSync(`${path}.idx`, readFileSync(`${other.path}.idx`));
    const stats = createReadStats();
    let n = 0;
    for await (const f of readFrames(path, { stats })) n += f.records;
    expect(n).toBe(500);
    expect(stats.problems.some((p) => p.kind === 'index' && /rescanned/.test(p.message))).toBe(
      true,
    );
  });

  it('should count the records of a one-frame spill file whose header magic is damaged, from its index', async () => {
    const path = join(tempDir(), 'svc-20260101-000000-7.zst');
    const writer = await CompressedFileWriter.create(path, { frameBytes: 8 << 20 });
    const records = generatedRecords(1025);
    for (let i = 0; i < records.length; i += 100) writer.appendRecords(records.slice(i, i + 100));
    await writer.close();
    const [frame] = (await readFrameTable(path)).frames;
    flipByte(path, 2);
    const { records: read, problems, stats } = await readAll(path);
    expect(read).toBe(0);
    expect(problems.filter((p) => p.kind !== 'index')).toEqual([
      expect.objectContaining({
        kind: 'corrupt',
        offset: 0,
        records: 1025,
        maxSeverity: frame!.maxSeverity,
      }),
    ]);
    expect(stats).toMatchObject({ recordsLost: 1025, recordsLostUnknown: false });
    // Without the index nothing says how many: at least one, flagged as a lower bound.
    unlinkSync(`${path}.idx`);
    const blind = await readAll(path);
    expect(blind.stats).toMatchObject({ recordsLost: 1, recordsLostUnknown: true });
  });

  it('should keep the frame after one whose data lost a byte (its length now overshoots)', async () => {
    const { path, frames } = await setup();
    const b = readFileSync(path);
    const at = frames[2]!.offset + 56 + 50;
    writeFileSync(path, Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]));
    unlinkSync(`${path}.idx`);
    const { records, problems } = await readAll(path);
    expect(records).toBe(400);
    expect(problems.filter((p) => p.kind !== 'index')).toEqual([
      expect.objectContaining({ kind: 'corrupt', offset: frames[2]!.offset, records: 100 }),
    ]);
  });

  it('should keep the frame after one that gained bytes', async () => {
    const { path, frames } = await setup();
    const b = readFileSync(path);
    const at = frames[2]!.offset + 56 + 50;
    writeFileSync(path, Buffer.concat([b.subarray(0, at), Buffer.from('xyz'), b.subarray(at)]));
    const { records, problems, stats } = await readAll(path);
    expect(records).toBe(400);
    // The frame that gained bytes is lost (counted); the 3 bytes it pushed out hold no frame.
    expect(problems.filter((p) => p.kind !== 'index')).toEqual([
      expect.objectContaining({ kind: 'corrupt', offset: frames[2]!.offset, records: 100 }),
      expect.objectContaining({
        kind: 'corrupt',
        offset: frames[3]!.offset,
        length: 3,
        records: 0,
      }),
    ]);
    expect(stats.recordsLost).toBe(100);
  });

  it('should read an empty file (crash before the first frame) as no records', async () => {
    const path = join(tempDir(), 'empty.zst');
    const w = await CompressedFileWriter.create(path);
    await w.close();
    expect(statSync(path).size).toBe(0);
    expect(await readAll(path)).toMatchObject({ records: 0, problems: [] });
  });

  it('should skip garbage appended after the last frame', async () => {
    const { path } = await setup();
    writeFileSync(
      path,
      Buffer.from('garbage that is no frame at all, long enough to hold a header or two'),
      { flag: 'a' },
    );
    const { records, problems } = await readAll(path);
    expect(records).toBe(500);
    expect(problems.find((p) => p.kind === 'corrupt')).toBeDefined();
  });
});
