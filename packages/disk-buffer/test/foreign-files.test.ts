import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { crc32 } from '@spillway/record-format';
import { afterEach, describe, expect, it } from 'vitest';
import type { DiskBufferedLogRecordExporter } from '../src/index';
import type { CollectingExporter } from './helpers/collecting-exporter';
import { generatedRecords, removeTempDirs, tempDir } from './helpers/records';
import { drain, fillDirectory, segments } from './helpers/wal-files';

// Something the buffer did not write, under a name it uses: left alone (or moved aside when the
// buffer must write that name), counted in `skippedFiles`, warned about once, and it never stops
// start-up, delivery or shutdown.

const ALL = Array.from({ length: 40 }, (_, i) => i);

afterEach(removeTempDirs);

function warningsDuring(): { messages: string[]; stop: () => void } {
  const messages: string[] = [];
  const on = (w: Error) => {
    if (w.name === 'SpillwayWarning') messages.push(w.message);
  };
  process.on('warning', on);
  return { messages, stop: () => process.off('warning', on) };
}

/** Exports 5 more records and waits until the downstream has them. */
async function exportMore(exporter: DiskBufferedLogRecordExporter, down: CollectingExporter) {
  const r = await new Promise<{ code: number }>((res) =>
    exporter.export(generatedRecords(5, 1000), res),
  );
  expect(r.code).toBe(0);
  await down.waitFor(() => down.ids().includes(1004));
}

type Maker = (path: string) => void;
const asDirectory: Maker = (p) => {
  rmSync(p, { force: true });
  mkdirSync(p);
};
const asFullDirectory: Maker = (p) => {
  asDirectory(p);
  writeFileSync(join(p, 'inside'), 'x');
};
const asSymlink: Maker = (p) => symlinkSync('/dev/zero', p);
const asFifo: Maker = (p) => execFileSync('mkfifo', [p]);

describe('DiskBufferedLogRecordExporter', () => {
  describe('foreign files', () => {
    it.each([
      ['a directory named like the next segment', '000000000002.wal', asDirectory],
      ['a directory named like an old segment', '000000000000.wal', asFullDirectory],
      ['a directory named like a later segment', '000000000009.wal', asDirectory],
      ['a symbolic link named like a segment', '000000000003.wal', asSymlink],
      ['a FIFO named like a segment', '000000000004.wal', asFifo],
      ['a directory named like a spill file', 'svc-20260101-000000.spill-5.zst', asDirectory],
      ['a directory named like a spill index', 'svc-20260101-000000.spill-1.zst.idx', asDirectory],
      [
        'a directory named like a spill temp file',
        'svc-20260101-000000.spill-6.zst.tmp',
        asDirectory,
      ],
      ['a FIFO named like a spill file', 'svc-20260101-000000.spill-5.zst', asFifo],
      // Spill names of releases before the spill field.
      ['a directory named like an old spill file', 'svc-20260101-000000-5.zst', asDirectory],
      ['a directory named like an old spill index', 'svc-20260101-000000-1.zst.idx', asDirectory],
      [
        'a directory named like an old spill temp file',
        'svc-20260101-000000-6.zst.tmp',
        asDirectory,
      ],
    ])('should skip %s, count it once and keep delivering', async (_what, name, make) => {
      const dir = tempDir();
      await fillDirectory(dir, 4, 10);
      make(join(dir, name));
      const warnings = warningsDuring();
      try {
        const { down, exporter } = await drain(dir, { shutdownTimeoutMillis: 10_000 });
        expect(down.ids().sort((a, b) => a - b)).toEqual(ALL);
        await exportMore(exporter, down);
        expect(exporter.getStats().skippedFiles).toBe(1);
        expect(exporter.getStats().recordsPending).toBe(0);
        const started = Date.now();
        await exporter.shutdown();
        expect(Date.now() - started).toBeLessThan(2_000);
        expect(warnings.messages).toHaveLength(1);
        expect(warnings.messages[0]).toContain(name);
        expect(existsSync(join(dir, name)) || name.endsWith('.wal')).toBe(true);
      } finally {
        warnings.stop();
      }
    });

    it.each([
      ['lock', asFullDirectory],
      ['checkpoint', asDirectory],
      ['checkpoint.tmp', asFullDirectory],
    ])('should move a directory named %s aside and start', async (name, make) => {
      const dir = tempDir();
      await fillDirectory(dir, 4, 10);
      make(join(dir, name));
      const warnings = warningsDuring();
      try {
        const { down, exporter } = await drain(dir);
        expect(down.ids().sort((a, b) => a - b)).toEqual(ALL);
        expect(exporter.getStats().skippedFiles).toBe(1);
        await exporter.shutdown();
        const moved = readdirSync(dir).filter((n) => n.startsWith(`${name}.displaced-`));
        expect(moved).toHaveLength(1);
        expect(statSync(join(dir, moved[0]!)).isDirectory()).toBe(true);
        expect(warnings.messages).toHaveLength(1);
        // The checkpoint is written again once its name is free.
        if (name !== 'lock') expect(statSync(join(dir, 'checkpoint')).isFile()).toBe(true);
      } finally {
        warnings.stop();
      }
    });

    it('should remove the checkpoint temp files a killed process left, of this build and an earlier one', async () => {
      const dir = tempDir();
      await fillDirectory(dir, 4, 10);
      // A torn write of each: the current name carries the writer's pid, an earlier build's did not.
      for (const name of ['checkpoint.tmp-4242', 'checkpoint.tmp']) {
        writeFileSync(join(dir, name), 'torn');
      }
      const { down, exporter } = await drain(dir);
      expect(down.ids().sort((a, b) => a - b)).toEqual(ALL);
      expect(exporter.getStats().skippedFiles).toBe(0);
      await exporter.shutdown();
      expect(readdirSync(dir).filter((n) => n.startsWith('checkpoint'))).toEqual(['checkpoint']);
      expect(statSync(join(dir, 'checkpoint')).size).toBe(32);
    });

    it('should leave a segment of an unknown format version untouched and deliver the rest', async () => {
      const dir = tempDir();
      await fillDirectory(dir, 8, 150, 64 * 1024);
      const segs = segments(dir);
      expect(segs.length).toBeGreaterThan(2);
      const newer = segs[1]!;
      const b = readFileSync(newer);
      b[4] = 3;
      b.writeUInt32LE(crc32(b, 0, 24), 24);
      writeFileSync(newer, b);
      const inNewer = countRecords(b);
      const warnings = warningsDuring();
      try {
        const { down, exporter } = await drain(dir);
        expect(down.records.length).toBe(8 * 150 - inNewer);
        const s = exporter.getStats();
        expect(s.skippedFiles).toBe(1);
        expect(s.truncatedBytes).toBe(0);
        expect(s.dropped.corrupt.total).toBe(0);
        expect(s.recordsPending).toBe(0);
        await exportMore(exporter, down);
        await exporter.shutdown();
        expect(readFileSync(newer).equals(b)).toBe(true);
        expect(warnings.messages.some((m) => m.includes('format version 3'))).toBe(true);
      } finally {
        warnings.stop();
      }
    });

    it.each([
      ['', 'svc-20260101-000000.spill-7.zst.idx', 'svc-20260101-000000.spill-8.zst.tmp'],
      [' (old names)', 'svc-20260101-000000-7.zst.idx', 'svc-20260101-000000-8.zst.tmp'],
    ])(
      'should remove an orphan spill index and spill temp files left by a kill%s',
      async (_names, orphanName, tmpName) => {
        const dir = tempDir();
        await fillDirectory(dir, 4, 10);
        const orphan = join(dir, orphanName);
        const tmp = join(dir, tmpName);
        writeFileSync(orphan, Buffer.alloc(64));
        writeFileSync(tmp, '');
        writeFileSync(`${tmp}.idx`, '');
        const { down, exporter } = await drain(dir);
        expect(down.ids().sort((a, b) => a - b)).toEqual(ALL);
        expect(existsSync(orphan)).toBe(false);
        expect(existsSync(tmp)).toBe(false);
        expect(existsSync(`${tmp}.idx`)).toBe(false);
        expect(exporter.getStats().skippedFiles).toBe(0);
        await exporter.shutdown();
      },
    );
  });
});

/** Records in a segment's frames, walking the length fields. */
function countRecords(b: Buffer): number {
  let n = 0;
  for (let at = 32; at + 24 <= b.length; at += 24 + b.readUInt32LE(at + 8)) {
    n += b.readUInt32LE(at + 12);
  }
  return n;
}
