import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DiskBufferedLogRecordExporter } from '../src/index';
import { CHECKPOINT_FILE } from '../src/internal/checkpoint';
import { RecentFrames } from '../src/internal/recent-frames';
import { walIo } from '../src/internal/wal-segment';
import { bundleChild } from './helpers/child-bundle';
import { CollectingExporter } from './helpers/collecting-exporter';
import { comparable, hostileRecord } from './helpers/hostile-records';
import { generatedRecords, removeTempDirs, tempDir } from './helpers/records';

// Delivery from memory (RecentFrames): while the collector keeps up the sender hands downstream
// the records of the frame just appended instead of reading and decoding it back. Each test here
// fails if that path delivers anything other than what the WAL holds, or loses what it held.

let childPath: string;
const real = { ...walIo };

beforeAll(async () => {
  childPath = await bundleChild('memory-child');
  return removeTempDirs;
});

afterEach(() => {
  Object.assign(walIo, real);
});

function exportAll(e: DiskBufferedLogRecordExporter, records: ReadableLogRecord[]): Promise<void> {
  return new Promise((resolve, reject) =>
    e.export(records, (r) => (r.code === 0 ? resolve() : reject(r.error))),
  );
}

/** What a fresh start replays from `dir` (the checkpoint removed: from the first frame). */
async function replay(dir: string, expected: number): Promise<CollectingExporter> {
  fs.rmSync(join(dir, CHECKPOINT_FILE), { force: true });
  const down = new CollectingExporter();
  const e = new DiskBufferedLogRecordExporter({ exporter: down, directory: dir });
  await down.waitFor(() => down.records.length >= expected);
  await e.forceFlush();
  expect(e.getStats().recordsFromMemory).toBe(0);
  await e.shutdown();
  return down;
}

describe('DiskBufferedLogRecordExporter', () => {
  describe('delivery from memory', () => {
    it('should hand downstream exactly the records a replay of the WAL yields', async () => {
      const dir = tempDir();
      const down = new CollectingExporter();
      const e = new DiskBufferedLogRecordExporter({ exporter: down, directory: dir });
      const hostile = fc.sample(hostileRecord, { seed: 15, numRuns: 300 });
      const batches = [generatedRecords(400), hostile, generatedRecords(250)];
      const total = batches.reduce((n, b) => n + b.length, 0);
      for (const b of batches) await exportAll(e, b);
      await down.waitFor(() => down.records.length >= total);
      await e.forceFlush();
      // Every record came from memory: none was read back.
      expect(e.getStats().recordsFromMemory).toBe(total);
      expect(e.getStats().recordsDelivered).toBe(total);
      await e.shutdown();
      const replayed = await replay(dir, total);
      expect(replayed.records.length).toBe(total);
      expect(down.records.map(comparable)).toEqual(replayed.records.map(comparable));
    });

    it('should read the WAL back for a frame over the memory bound, in order', async () => {
      const dir = tempDir();
      const down = new CollectingExporter();
      const e = new DiskBufferedLogRecordExporter({ exporter: down, directory: dir });
      // 18 records of 500 KiB bodies (each under a record's normalisation bound): one frame of
      // 9 MiB, over the 8 MiB bound, then small frames that are held.
      const body = 'b'.repeat(500 * 1024);
      const big = generatedRecords(18, 0).map((r) => ({ ...r, body }));
      const small = generatedRecords(50, 18);
      e.export(big, () => {});
      await exportAll(e, small);
      await down.waitFor(() => down.records.length >= 68);
      await e.forceFlush();
      expect(down.ids()).toEqual(Array.from({ length: 68 }, (_, i) => i));
      expect(e.getStats().recordsFromMemory).toBe(50);
      expect(down.records.slice(0, 18).every((r) => r.body === body)).toBe(true);
      await e.shutdown();
    });

    it('should redeliver from the WAL a batch in flight from memory when SIGKILLed', async () => {
      const dir = tempDir();
      // The child exports 500 records to a downstream that never answers, prints its stats once
      // the sender has taken them from memory (the export in flight), and is killed right then.
      const child = spawn(process.execPath, [childPath, dir], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
      });
      const signal = await new Promise<NodeJS.Signals | null>((resolve, reject) => {
        child.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) child.kill('SIGKILL');
        });
        child.on('error', reject);
        child.on('exit', (code, sig) => {
          if (sig === null) reject(new Error(`child exited ${code}: ${err}`));
          else resolve(sig);
        });
      });
      expect(signal).toBe('SIGKILL');
      expect(JSON.parse(out.trim())).toEqual({ recordsFromMemory: 500, recordsDelivered: 0 });
      const down = new CollectingExporter();
      const e = new DiskBufferedLogRecordExporter({ exporter: down, directory: dir });
      await down.waitFor(() => down.records.length >= 500);
      await e.forceFlush();
      expect(down.ids()).toEqual(Array.from({ length: 500 }, (_, i) => i));
      expect(e.getStats().recordsFromMemory).toBe(0);
      await e.shutdown();
    });
  });

  describe('exportSync', () => {
    it.each([
      ['always', 1],
      ['interval', 0],
      ['never', 0],
    ] as const)(
      'should fdatasync on the caller only under always (fsync %s: %i)',
      async (policy, syncs) => {
        const dir = tempDir();
        const e = new DiskBufferedLogRecordExporter({
          exporter: new CollectingExporter(),
          directory: dir,
          fsync: policy === 'interval' ? { intervalMillis: 60_000 } : policy,
        });
        // Warm the segment (its creation and directory sync are not the emit path's).
        e.exportSync(generatedRecords(1));
        await e.forceFlush();
        let sync = 0;
        let async = 0;
        walIo.fdatasyncSync = (fd: number) => {
          sync++;
          real.fdatasyncSync(fd);
        };
        walIo.fdatasync = (fd: number) => {
          async++;
          return real.fdatasync(fd);
        };
        const before = fs.statSync(join(dir, fs.readdirSync(dir).find((n) => n.endsWith('.wal'))!));
        e.exportSync(generatedRecords(5));
        const counted = { sync, async };
        const after = fs.statSync(join(dir, fs.readdirSync(dir).find((n) => n.endsWith('.wal'))!));
        // In the page cache when it returned; synced on the caller's thread under always only, and
        // no sync was even started from the call under the other policies.
        expect(after.size).toBeGreaterThan(before.size);
        expect(counted).toEqual({ sync: syncs, async: 0 });
        await e.shutdown();
      },
    );
  });
});

describe('RecentFrames', () => {
  const recs = (n: number) => generatedRecords(n);
  const PAYLOAD = Buffer.from('payload');

  describe('take', () => {
    it('should return a frame only at its exact position once landed, dropping older ones', () => {
      const r = new RecentFrames(1000);
      const a = recs(1);
      const b = recs(2);
      r.add(1, 32, 132, a, PAYLOAD, false);
      r.add(1, 132, 232, b, PAYLOAD, false);
      // Not landed: not taken (the frame before the position is dropped on the way).
      expect(r.take(1, 132, 231)).toBeUndefined();
      expect(r.bytes).toBe(100);
      expect(r.take(1, 132, 232)).toEqual({ records: b, end: 232, bytes: 100, payload: PAYLOAD });
      expect(r.take(1, 132, 232)).toBeUndefined(); // taken once
      expect(r.bytes).toBe(0);
      expect(r.take(1, 32, 232)).toBeUndefined();
    });

    it('should keep frames of a later segment for when the sender gets there', () => {
      const r = new RecentFrames(1000);
      const a = recs(1);
      r.add(2, 32, 100, a, PAYLOAD, false);
      expect(r.take(1, 32, 500)).toBeUndefined();
      expect(r.take(2, 32, 100)?.records).toEqual(a);
    });
  });

  describe('add', () => {
    it('should not hold a frame past the byte bound, and hold later ones that fit', () => {
      const r = new RecentFrames(250);
      r.add(1, 32, 232, recs(1), PAYLOAD, false);
      r.add(1, 232, 332, recs(1), PAYLOAD, false); // 300 bytes: over the bound
      r.add(1, 332, 382, recs(1), PAYLOAD, false);
      expect(r.bytes).toBe(250);
      expect(r.take(1, 232, 1000)).toBeUndefined();
      expect(r.take(1, 332, 1000)?.end).toBe(382);
    });
  });

  describe('forget', () => {
    it('should drop a frame whose write failed', () => {
      const r = new RecentFrames(1000);
      r.add(1, 32, 132, recs(1), PAYLOAD, false);
      r.forget(1, 32);
      expect(r.bytes).toBe(0);
      expect(r.take(1, 32, 1000)).toBeUndefined();
    });
  });
});
