import {
  appendFileSync,
  existsSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DiskBufferedLogRecordExporter } from '../src/index';
import { encodeCheckpoint } from '../src/internal/checkpoint';
import { CollectingExporter } from './helpers/collecting-exporter';
import { generatedRecords, removeTempDirs, tempDir } from './helpers/records';
import { drain, fillDirectory, frames, segments } from './helpers/wal-files';

// One test per named corruption (Vector's known-errors file): each damages a directory written by
// a real exporter, reopens it, and checks what is delivered and what is counted.

const BATCHES = 6;
const PER_BATCH = 10;
const ALL = Array.from({ length: BATCHES * PER_BATCH }, (_, i) => i);

function idsOf(down: CollectingExporter): number[] {
  return down.ids().sort((a, b) => a - b);
}

function without(batch: number): number[] {
  return ALL.filter((i) => Math.floor(i / PER_BATCH) !== batch);
}

async function setup(): Promise<{ dir: string; seg: string }> {
  const dir = tempDir();
  await fillDirectory(dir, BATCHES, PER_BATCH);
  const [seg] = segments(dir);
  return { dir, seg: seg! };
}

function flipByte(path: string, at: number): void {
  flipBit(path, at, 0xff);
}

function flipBit(path: string, at: number, bits: number): void {
  const b = readFileSync(path);
  b[at] = b[at]! ^ bits;
  writeFileSync(path, b);
}

afterEach(removeTempDirs);

describe('DiskBufferedLogRecordExporter recovery', () => {
  it('should truncate a torn tail and deliver every complete frame', async () => {
    const { dir, seg } = await setup();
    const last = frames(seg).at(-1)!;
    truncateSync(seg, last.offset + last.length - 7);
    const { down, exporter } = await drain(dir);
    expect(idsOf(down)).toEqual(without(BATCHES - 1));
    const s = exporter.getStats();
    expect(s.truncatedBytes).toBe(last.length - 7);
    expect(s.dropped.corrupt.total).toBe(0);
    await exporter.shutdown();
  });

  it('should skip and count a frame with a flipped checksum', async () => {
    const { dir, seg } = await setup();
    const f = frames(seg)[2]!;
    flipByte(seg, f.offset + 4);
    const { down, exporter } = await drain(dir);
    expect(idsOf(down)).toEqual(without(2));
    expect(exporter.getStats().dropped.corrupt.total).toBe(PER_BATCH);
    expect(exporter.getStats().dropped.corrupt.unknown).toBe(PER_BATCH);
    expect(exporter.getStats().corruptFrames).toBe(1);
    await exporter.shutdown();
  });

  it('should skip and count a frame whose payload bit flipped', async () => {
    const { dir, seg } = await setup();
    const f = frames(seg)[1]!;
    flipByte(seg, f.offset + 24 + Math.floor((f.length - 24) / 2));
    const { down, exporter } = await drain(dir);
    expect(idsOf(down)).toEqual(without(1));
    expect(exporter.getStats().dropped.corrupt.total).toBe(PER_BATCH);
    await exporter.shutdown();
  });

  it('should skip a zero-length frame header and count the records it replaced', async () => {
    const { dir, seg } = await setup();
    const f = frames(seg)[3]!;
    const b = readFileSync(seg);
    b.writeUInt32LE(0, f.offset + 8);
    writeFileSync(seg, b);
    const { down, exporter } = await drain(dir);
    expect(idsOf(down)).toEqual(without(3));
    expect(exporter.getStats().dropped.corrupt.total).toBe(PER_BATCH);
    await exporter.shutdown();
  });

  it('should cut a truncated header at the tail', async () => {
    const { dir, seg } = await setup();
    const size = statSync(seg).size;
    appendFileSync(seg, readFileSync(seg).subarray(32, 32 + 13)); // 13 bytes of a frame header
    const { down, exporter } = await drain(dir);
    expect(idsOf(down)).toEqual(ALL);
    expect(exporter.getStats().truncatedBytes).toBe(13);
    expect(statSync(seg, { throwIfNoEntry: false })?.size ?? size).toBeLessThanOrEqual(size);
    await exporter.shutdown();
  });

  it('should cut garbage appended after the last frame without losing records', async () => {
    const { dir, seg } = await setup();
    appendFileSync(seg, Buffer.from('garbage appended by something else '.repeat(40)));
    const { down, exporter } = await drain(dir);
    expect(idsOf(down)).toEqual(ALL);
    expect(exporter.getStats().dropped.corrupt.total).toBe(0);
    expect(exporter.getStats().truncatedBytes).toBe(35 * 40);
    await exporter.shutdown();
  });

  it('should deliver from the oldest segment when the checkpoint is missing', async () => {
    const { dir } = await setup();
    rmSync(join(dir, 'checkpoint'), { force: true });
    const { down, exporter } = await drain(dir);
    expect(idsOf(down)).toEqual(ALL);
    await exporter.shutdown();
  });

  it('should ignore a corrupt checkpoint and redeliver rather than lose', async () => {
    const { dir, seg } = await setup();
    const f = frames(seg)[4]!;
    const cp = encodeCheckpoint({ seq: 1, kind: 'wal', position: f.offset });
    cp[9] = cp[9]! ^ 0x01;
    writeFileSync(join(dir, 'checkpoint'), cp);
    const { down, exporter } = await drain(dir);
    expect(idsOf(down)).toEqual(ALL);
    expect(exporter.getStats().lastError?.message).toMatch(/checkpoint ignored: checksum mismatch/);
    await exporter.shutdown();
  });

  it('should resume after the records a valid checkpoint covers', async () => {
    const { dir, seg } = await setup();
    const f = frames(seg)[4]!;
    writeFileSync(
      join(dir, 'checkpoint'),
      encodeCheckpoint({ seq: 1, kind: 'wal', position: f.offset }),
    );
    const { down, exporter } = await drain(dir);
    expect(idsOf(down)).toEqual(ALL.slice(4 * PER_BATCH));
    await exporter.shutdown();
  });

  it('should start at the oldest segment when the checkpoint is stale', async () => {
    const { dir } = await setup();
    // Points into a segment that no longer exists (older than every file).
    writeFileSync(
      join(dir, 'checkpoint'),
      encodeCheckpoint({ seq: 0, kind: 'wal', position: 999 }),
    );
    const { down, exporter } = await drain(dir);
    expect(idsOf(down)).toEqual(ALL);
    await exporter.shutdown();
  });

  it('should count the records of a segment deleted underneath and carry on', async () => {
    const dir = tempDir();
    await fillDirectory(dir, 8, 150, 64 * 1024);
    const segs = segments(dir);
    expect(segs.length).toBeGreaterThan(2);
    const down = new CollectingExporter();
    down.failing = true;
    const exporter = new DiskBufferedLogRecordExporter({
      exporter: down,
      directory: dir,
      retry: { initialMillis: 5, maxMillis: 10 },
    });
    await down.waitFor(() => down.failures > 0 && !exporter.getStats().recovering);
    // The sender holds the first segment open; delete the second one underneath it.
    const second = frames(segs[1]!).reduce((n, f) => n + f.count, 0);
    rmSync(segs[1]!);
    down.failing = false;
    await down.waitFor(() => exporter.getStats().recordsPending === 0);
    expect(down.records.length).toBe(8 * 150 - second);
    expect(exporter.getStats().dropped.corrupt.total).toBe(second);
    await exporter.shutdown();
  });

  it.each([
    ['', 'svc-20260101-000000.spill-7.zst'],
    [' (named as releases before the spill field named it)', 'svc-20260101-000000-7.zst'],
  ])(
    'should get past a spill file that is garbage%s and deliver what follows',
    async (_n, name) => {
      const { dir } = await setup();
      // Seq 7 follows the segment (seq 1); new segments of the next run come after it.
      const garbage = join(dir, name);
      writeFileSync(garbage, Buffer.from('not zstd at all '.repeat(64)));
      const { down, exporter } = await drain(dir);
      await new Promise((r) => exporter.export(generatedRecords(5, 1000), r));
      await exporter.forceFlush();
      expect(idsOf(down)).toEqual([...ALL, 1000, 1001, 1002, 1003, 1004]);
      expect(existsSync(garbage)).toBe(false);
      await exporter.shutdown();
    },
  );

  // A flipped bit in each frame header field of frame 2 (of 6): the frame is skipped and its
  // records counted from the record indexes on either side; the frames after it are delivered.
  it.each([
    ['magic', 0, 0x01],
    ['checksum', 4, 0x80],
    ['length, past the end of the file', 10, 0x01],
    ['length, implausibly large', 11, 0x40],
    ['length, shorter', 8, 0x04],
    ['count', 12, 0x02],
    ['first record index', 16, 0x01],
    ['first record index, high byte', 23, 0x80],
  ])(
    'should skip a frame with a flipped bit in its %s and keep the frames after it',
    async (_field, at, bit) => {
      const { dir, seg } = await setup();
      const f = frames(seg)[2]!;
      flipBit(seg, f.offset + at, bit);
      const { down, exporter } = await drain(dir);
      expect(idsOf(down)).toEqual(without(2));
      const s = exporter.getStats();
      expect(s.dropped.corrupt.total).toBe(PER_BATCH);
      expect(s.corruptFrames).toBe(1);
      expect(s.truncatedBytes).toBe(0);
      expect(s.recordsPending).toBe(0);
      await exporter.shutdown();
    },
  );

  it('should bound corrupt by the record indexes around forged frame headers', async () => {
    const { dir, seg } = await setup();
    const f = frames(seg)[2]!;
    const b = readFileSync(seg);
    // Fill frame 2's payload with plausible headers claiming millions of records.
    for (let at = f.offset + 24; at + 24 <= f.offset + f.length; at += 24) {
      b.writeUInt32LE(0x52465053, at);
      b.writeUInt32LE(64 * 1024 * 1024, at + 8);
      b.writeUInt32LE(4_000_000, at + 12);
      b.writeUInt32LE(2 * PER_BATCH, at + 16);
    }
    writeFileSync(seg, b);
    const { down, exporter } = await drain(dir);
    expect(idsOf(down)).toEqual(without(2));
    expect(exporter.getStats().dropped.corrupt.total).toBe(PER_BATCH);
    await exporter.shutdown();
  });

  it('should bound corrupt by the damaged bytes when forged headers fill the last frame', async () => {
    const { dir, seg } = await setup();
    const f = frames(seg).at(-1)!;
    const b = readFileSync(seg);
    for (let at = f.offset + 24; at + 24 <= f.offset + f.length; at += 24) {
      b.writeUInt32LE(0x52465053, at);
      b.writeUInt32LE(1024, at + 8);
      b.writeUInt32LE(64, at + 12);
      b.writeUInt32LE(PER_BATCH * (BATCHES - 1) + ((at - f.offset) / 24 - 1) * 64, at + 16);
    }
    b.writeUInt32LE((b.readUInt32LE(f.offset + 4) ^ 1) >>> 0, f.offset + 4);
    writeFileSync(seg, b);
    const { down, exporter } = await drain(dir);
    expect(idsOf(down)).toEqual(without(BATCHES - 1));
    const s = exporter.getStats();
    // Never more than the damaged bytes could hold (16 bytes a record at the least).
    expect(s.dropped.corrupt.total).toBeGreaterThan(0);
    expect(s.dropped.corrupt.total).toBeLessThanOrEqual(Math.floor(f.length / 16));
    expect(s.truncatedBytes).toBe(f.length);
    await exporter.shutdown();
  });

  it('should deliver a duplicated frame once and count no records for the copy', async () => {
    const { dir, seg } = await setup();
    const fs = frames(seg);
    const b = readFileSync(seg);
    const copy = b.subarray(fs[1]!.offset, fs[1]!.offset + fs[1]!.length);
    const at = fs[3]!.offset;
    writeFileSync(seg, Buffer.concat([b.subarray(0, at), copy, b.subarray(at)]));
    const { down, exporter } = await drain(dir);
    expect(down.ids()).toHaveLength(ALL.length);
    expect(idsOf(down)).toEqual(ALL);
    expect(exporter.getStats().dropped.corrupt.total).toBe(0);
    expect(exporter.getStats().corruptFrames).toBe(1);
    await exporter.shutdown();
  });

  it.each([
    ['past the last file', { seq: 99, kind: 'wal' as const, position: 32 }],
    ['naming the oldest seq as a spill file', { seq: 1, kind: 'spill' as const, position: 40 }],
  ])('should redeliver everything for a valid-checksum checkpoint %s', async (_case, cp) => {
    const { dir } = await setup();
    writeFileSync(join(dir, 'checkpoint'), encodeCheckpoint(cp));
    const { down, exporter } = await drain(dir);
    expect(idsOf(down)).toEqual(ALL);
    expect(exporter.getStats().recordsPending).toBe(0);
    expect(exporter.getStats().dropped.corrupt.total).toBe(0);
    await exporter.shutdown();
  });
});
