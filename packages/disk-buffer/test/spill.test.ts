import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readLogRecords } from '@spillway/file-exporter';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DiskBufferedLogRecordExporter } from '../src/index';
import { readCheckpointSync } from '../src/internal/checkpoint';
import type { DiskBufferOptions } from '../src/types';
import { CollectingExporter } from './helpers/collecting-exporter';
import { generatedRecords, removeTempDirs, tempDir } from './helpers/records';
import { frames, segments } from './helpers/wal-files';

afterEach(removeTempDirs);

function setup(directory: string, down: CollectingExporter, opts: Partial<DiskBufferOptions> = {}) {
  return new DiskBufferedLogRecordExporter({
    exporter: down,
    directory,
    // Several 100-record batches a segment, so a spill file holds more than two of them.
    segmentBytes: 160 * 1024,
    spillAfterBytes: 1,
    maxExportBatchSize: 100,
    retry: { initialMillis: 60_000 },
    shutdownTimeoutMillis: 10,
    ...opts,
  });
}

/** Writes `n` records with the downstream down and waits until all closed segments are spilled. */
async function spilled(dir: string, n: number): Promise<void> {
  const down = new CollectingExporter();
  down.failing = true;
  const exporter = setup(dir, down);
  for (let i = 0; i < n; i += 100) {
    await new Promise((r) => exporter.export(generatedRecords(100, i), r));
  }
  await vi.waitFor(() => expect(exporter.getStats().spillRecords).toBeGreaterThan(n / 2), {
    timeout: 20_000,
    interval: 20,
  });
  await exporter.shutdown();
}

describe('DiskBufferedLogRecordExporter', () => {
  describe('spill', () => {
    it('should write spill files that the file-exporter reader reads back', async () => {
      const dir = tempDir();
      await spilled(dir, 3000);
      const files = readdirSync(dir).filter((f) => f.endsWith('.zst'));
      expect(files.length).toBeGreaterThan(0);
      expect(files[0]).toMatch(/^disk-buffer-test-\d{8}-\d{6}-\d+\.zst$/);
      let count = 0;
      for await (const r of readLogRecords(join(dir, files[0]!))) {
        expect(typeof r.attributes['test.id']).toBe('number');
        count++;
      }
      expect(count).toBeGreaterThan(0);
    });

    it('should deliver spill files and segments in order after a restart', async () => {
      const dir = tempDir();
      await spilled(dir, 3000);
      const down = new CollectingExporter();
      const exporter = setup(dir, down, { retry: { initialMillis: 5 } });
      await down.waitFor(() => exporter.getStats().recordsPending === 0);
      await exporter.forceFlush();
      expect(down.ids()).toEqual(Array.from({ length: 3000 }, (_, i) => i));
      expect(readdirSync(dir).filter((f) => f.endsWith('.zst') || f.endsWith('.idx'))).toEqual([]);
      await exporter.shutdown();
    });

    it('should resume inside a spill file from the checkpoint without redelivering', async () => {
      const dir = tempDir();
      await spilled(dir, 3000);
      // The first segment stayed a WAL file (the sender had claimed it); spill files follow it.
      const inWal =
        segments(dir).length > 0 ? frames(segments(dir)[0]!).reduce((n, f) => n + f.count, 0) : 0;
      expect(inWal % 100).toBe(0);
      const first = new CollectingExporter();
      first.succeedThenFail(inWal / 100 + 2); // the WAL file, then 200 records of a spill file
      const a = setup(dir, first, { retry: { initialMillis: 5, maxMillis: 5 } });
      await first.waitFor(() => first.failures > 0);
      await a.shutdown();
      const delivered = inWal + 200;
      expect(first.ids()).toEqual(Array.from({ length: delivered }, (_, i) => i));
      const cp = readCheckpointSync(dir);
      expect(cp).toMatchObject({ state: 'ok', checkpoint: { kind: 'spill', position: 200 } });
      const second = new CollectingExporter();
      const b = setup(dir, second, { retry: { initialMillis: 5 } });
      await second.waitFor(() => b.getStats().recordsPending === 0);
      await b.forceFlush();
      expect(second.ids()).toEqual(
        Array.from({ length: 3000 - delivered }, (_, i) => delivered + i),
      );
      await b.shutdown();
    });
  });
});
