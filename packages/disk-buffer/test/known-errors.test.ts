import { spawn } from 'node:child_process';
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
import { DirectoryLockedError, DiskBufferedLogRecordExporter } from '../src/index';
import { encodeCheckpoint } from '../src/internal/checkpoint';
import { CollectingExporter } from './helpers/collecting-exporter';
import { corpusRecords, removeTempDirs, tempDir } from './helpers/records';
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
  const b = readFileSync(path);
  b[at] = b[at]! ^ 0xff;
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
    expect(s.dropped.corrupt).toBe(0);
    await exporter.shutdown();
  });

  it('should skip and count a frame with a flipped checksum', async () => {
    const { dir, seg } = await setup();
    const f = frames(seg)[2]!;
    flipByte(seg, f.offset + 4);
    const { down, exporter } = await drain(dir);
    expect(idsOf(down)).toEqual(without(2));
    expect(exporter.getStats().dropped.corrupt).toBe(PER_BATCH);
    expect(exporter.getStats().droppedBySeverity.unknown).toBe(PER_BATCH);
    expect(exporter.getStats().corruptFrames).toBe(1);
    await exporter.shutdown();
  });

  it('should skip and count a frame whose payload bit flipped', async () => {
    const { dir, seg } = await setup();
    const f = frames(seg)[1]!;
    flipByte(seg, f.offset + 24 + Math.floor((f.length - 24) / 2));
    const { down, exporter } = await drain(dir);
    expect(idsOf(down)).toEqual(without(1));
    expect(exporter.getStats().dropped.corrupt).toBe(PER_BATCH);
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
    expect(exporter.getStats().dropped.corrupt).toBe(PER_BATCH);
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
    expect(exporter.getStats().dropped.corrupt).toBe(0);
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
    expect(exporter.getStats().lastError).toMatch(/checkpoint ignored: checksum mismatch/);
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
    await down.waitFor(() => exporter.getStats().pendingRecords === 0);
    expect(down.records.length).toBe(8 * 150 - second);
    expect(exporter.getStats().dropped.corrupt).toBe(second);
    await exporter.shutdown();
  });

  it('should get past a spill file that is garbage and deliver what follows', async () => {
    const { dir } = await setup();
    // Seq 7 follows the segment (seq 1); new segments of the next run come after it.
    const garbage = join(dir, 'svc-20260101-000000-7.zst');
    writeFileSync(garbage, Buffer.from('not zstd at all '.repeat(64)));
    const { down, exporter } = await drain(dir);
    await new Promise((r) => exporter.export(corpusRecords(5, 1000), r));
    await exporter.forceFlush();
    expect(idsOf(down)).toEqual([...ALL, 1000, 1001, 1002, 1003, 1004]);
    expect(existsSync(garbage)).toBe(false);
    await exporter.shutdown();
  });

  it('should refuse a directory locked by a live process, naming its pid', async () => {
    const dir = tempDir();
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
      stdio: 'ignore',
    });
    try {
      writeFileSync(join(dir, 'lock'), `${child.pid}\nother-host\n`);
      const make = () =>
        new DiskBufferedLogRecordExporter({ exporter: new CollectingExporter(), directory: dir });
      expect(make).toThrow(DirectoryLockedError);
      expect(make).toThrow(new RegExp(`locked by process ${child.pid}`));
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('should refuse a second exporter on the same directory in this process', async () => {
    const dir = tempDir();
    const first = new DiskBufferedLogRecordExporter({
      exporter: new CollectingExporter(),
      directory: dir,
    });
    expect(
      () =>
        new DiskBufferedLogRecordExporter({ exporter: new CollectingExporter(), directory: dir }),
    ).toThrow(DirectoryLockedError);
    await first.shutdown();
    const again = new DiskBufferedLogRecordExporter({
      exporter: new CollectingExporter(),
      directory: dir,
    });
    await again.shutdown();
  });

  it('should take over a stale lock left by a dead process', async () => {
    const { dir } = await setup();
    const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    const pid = child.pid!;
    await new Promise((r) => child.on('exit', r));
    writeFileSync(join(dir, 'lock'), `${pid}\nsome-host\n`);
    const { down, exporter } = await drain(dir);
    expect(idsOf(down)).toEqual(ALL);
    expect(readFileSync(join(dir, 'lock'), 'utf8')).toMatch(new RegExp(`^${process.pid}\\n`));
    await exporter.shutdown();
    expect(existsSync(join(dir, 'lock'))).toBe(false);
  });
});
