import { copyFileSync, existsSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { parseCompressedFileName, readLogRecords } from '@spillway/file-exporter';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DiskBufferedLogRecordExporter, inspectWal, readPendingWalRecords } from '../src/index';
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

/** The spill files of `dir` (names), in seq order. */
function spillFiles(dir: string): string[] {
  const seq = (n: string) => parseCompressedFileName(n)!.spillSeq ?? parseCompressedFileName(n)!.n;
  return readdirSync(dir)
    .filter((f) => f.endsWith('.zst'))
    .sort((a, b) => seq(a) - seq(b));
}

/**
 * Renames spill files (and their indexes) to the name releases before the spill field gave them,
 * `<service>-<date>-<time>-<seq>.zst`; `which` picks them by position in seq order.
 */
function renameToOldNames(dir: string, which: (i: number) => boolean): string[] {
  const renamed: string[] = [];
  spillFiles(dir).forEach((name, i) => {
    if (!which(i)) return;
    const old = name.replace(/\.spill-(\d+)\.zst$/, '-$1.zst');
    renameSync(join(dir, name), join(dir, old));
    renameSync(join(dir, `${name}.idx`), join(dir, `${old}.idx`));
    renamed.push(old);
  });
  return renamed;
}

describe('DiskBufferedLogRecordExporter', () => {
  describe('spill', () => {
    it('should write spill files that the file-exporter reader reads back', async () => {
      const dir = tempDir();
      await spilled(dir, 3000);
      const files = readdirSync(dir).filter((f) => f.endsWith('.zst'));
      expect(files.length).toBeGreaterThan(0);
      for (const f of files) expect(f).toMatch(/^disk-buffer-test-\d{8}-\d{6}\.spill-\d+\.zst$/);
      // The seq is in its own field: the same-second counter stays free (FORMAT.md).
      expect(files.map((f) => parseCompressedFileName(f)!.n)).toEqual(files.map(() => 0));
      const seqs = files.map((f) => parseCompressedFileName(f)!.spillSeq!).sort((a, b) => a - b);
      expect(new Set(seqs).size).toBe(files.length);
      expect(seqs[0]).toBeGreaterThanOrEqual(1);
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

    it.each([
      ['', false],
      [' named as the previous release named them', true],
    ])(
      'should resume inside a spill file%s from the checkpoint without redelivering',
      async (_names, old) => {
        const dir = tempDir();
        await spilled(dir, 3000);
        if (old) expect(renameToOldNames(dir, () => true).length).toBe(spillFiles(dir).length);
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
        if (old) expect(spillFiles(dir).every((f) => !f.includes('.spill-'))).toBe(true);
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
      },
    );

    it("should adopt spill files renamed to the previous release's names, mixed with new ones", async () => {
      const dir = tempDir();
      await spilled(dir, 3000);
      const spills = spillFiles(dir).length;
      expect(spills).toBeGreaterThan(2);
      const renamed = renameToOldNames(dir, (i) => i % 2 === 0);
      expect(renamed.length).toBe(Math.ceil(spills / 2));
      const down = new CollectingExporter();
      const exporter = setup(dir, down, { retry: { initialMillis: 5 } });
      await down.waitFor(() => exporter.getStats().recordsPending === 0);
      await exporter.forceFlush();
      expect(down.ids()).toEqual(Array.from({ length: 3000 }, (_, i) => i));
      expect(exporter.getStats().skippedFiles).toBe(0);
      expect(readdirSync(dir).filter((f) => f.endsWith('.zst') || f.endsWith('.idx'))).toEqual([]);
      await exporter.shutdown();
    });

    it('should leave alone a second spill file of one seq (an old-named copy) and deliver once', async () => {
      const dir = tempDir();
      await spilled(dir, 3000);
      const name = spillFiles(dir)[0]!;
      const copy = name.replace(/\.spill-(\d+)\.zst$/, '-$1.zst');
      copyFileSync(join(dir, name), join(dir, copy));
      const down = new CollectingExporter();
      const exporter = setup(dir, down, { retry: { initialMillis: 5 } });
      await down.waitFor(() => exporter.getStats().recordsPending === 0);
      await exporter.forceFlush();
      expect(down.ids()).toEqual(Array.from({ length: 3000 }, (_, i) => i));
      expect(exporter.getStats().skippedFiles).toBe(1);
      // Names sort `-<seq>` before `.spill-<seq>`: the copy is the one adopted, the original kept.
      expect(existsSync(join(dir, copy))).toBe(false);
      expect(existsSync(join(dir, name))).toBe(true);
      await exporter.shutdown();
    });

    it('should be inspected read-only under old and new names alike (inspectWal, readPendingWalRecords)', async () => {
      const dir = tempDir();
      await spilled(dir, 3000);
      const spills = spillFiles(dir).length;
      renameToOldNames(dir, (i) => i % 2 === 1);
      const [slot] = await inspectWal(dir);
      expect(slot!.spillFiles).toBe(spills);
      expect(slot!.recordsPending).toBe(3000);
      const ids: number[] = [];
      for await (const b of readPendingWalRecords(dir))
        for (const r of b.records) ids.push(r.attributes['test.id'] as number);
      expect(ids).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    });
  });
});
