import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { afterEach, describe, expect, it } from 'vitest';
import { SlottedDiskBufferedLogRecordExporter } from '../src/index';
import { listSlots, slotDirectory } from '../src/slotted-disk-buffered-log-record-exporter';
import { CollectingExporter } from './helpers/collecting-exporter';
import { generatedRecords, removeTempDirs, tempDir } from './helpers/records';
import { fillDirectory } from './helpers/wal-files';

afterEach(removeTempDirs);

const open: SlottedDiskBufferedLogRecordExporter[] = [];
afterEach(async () => {
  for (const e of open.splice(0)) await e.shutdown();
});

function setup(root: string, down = new CollectingExporter()) {
  const unavailable: Error[] = [];
  const exporter = new SlottedDiskBufferedLogRecordExporter({
    exporter: down,
    directory: root,
    fsync: 'always',
    retry: { initialMillis: 20, maxMillis: 50 },
    shutdownTimeoutMillis: 200,
    onUnavailable: (e) => unavailable.push(e),
  });
  open.push(exporter);
  return { exporter, down, unavailable };
}

const exported = (e: SlottedDiskBufferedLogRecordExporter, recs: ReadableLogRecord[]) =>
  new Promise<{ code: number }>((r) => e.export(recs, r));

/** The pid of a process that has exited: a dead owner on this host. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

describe('SlottedDiskBufferedLogRecordExporter', () => {
  describe('slot choice', () => {
    it('should take no slot and create nothing before the first export', async () => {
      const root = join(tempDir(), 'wal');
      const { exporter } = setup(root);
      await exporter.forceFlush();
      expect(exporter.slot).toBeUndefined();
      expect(exporter.getStats()).toBeUndefined();
      expect(existsSync(root)).toBe(false);
    });

    it('should give each exporter of the directory its own slot, slot 0 being the root', async () => {
      const root = tempDir();
      const a = setup(root);
      const b = setup(root);
      const c = setup(root);
      for (const [i, s] of [a, b, c].entries())
        expect((await exported(s.exporter, generatedRecords(10, i * 10))).code).toBe(0);
      expect([a, b, c].map((s) => s.exporter.slot)).toEqual([0, 1, 2]);
      expect(readFileSync(join(root, 'lock'), 'utf8')).toBe(`${process.pid}\n${hostname()}\n`);
      expect(existsSync(join(root, '1', 'lock'))).toBe(true);
      expect(listSlots(root)).toEqual([0, 1, 2]);
      await Promise.all([a, b, c].map((s) => s.down.waitFor(() => s.down.records.length === 10)));
      expect([a, b, c].flatMap((s) => s.down.ids()).sort((x, y) => x - y)).toEqual(
        Array.from({ length: 30 }, (_, i) => i),
      );
      expect([a, b, c].flatMap((s) => s.unavailable)).toEqual([]);
    });

    it("should deliver a dead owner's backlog from construction on, without a slot of its own", async () => {
      const root = tempDir();
      await fillDirectory(root, 3, 10);
      writeFileSync(join(root, 'lock'), `${deadPid()}\n${hostname()}\n`);
      const { exporter, down } = setup(root);
      await down.waitFor(() => exporter.adopted === 1);
      expect(down.records).toHaveLength(30);
      expect(exporter.slot).toBeUndefined();
      expect(existsSync(join(root, 'lock'))).toBe(false);
      // Released: the first export takes it as its own slot.
      expect((await exported(exporter, generatedRecords(5, 100))).code).toBe(0);
      expect(exporter.slot).toBe(0);
      await down.waitFor(() => down.records.length === 35);
      expect(new Set(down.ids()).size).toBe(35);
    });

    it('should report a directory it cannot create once, and send without a WAL', async () => {
      const file = join(tempDir(), 'a-file');
      writeFileSync(file, '');
      const { exporter, down, unavailable } = setup(join(file, 'wal'));
      expect((await exported(exporter, generatedRecords(3, 0))).code).toBe(0);
      exporter.exportSync(generatedRecords(2, 3));
      await down.waitFor(() => down.records.length === 5);
      expect(unavailable.map((e) => (e as NodeJS.ErrnoException).code)).toEqual(['ENOTDIR']);
      expect(exporter.slot).toBeUndefined();
    });
  });

  describe('exportSync without a WAL', () => {
    it('should keep at most 8 sends in flight and count the batches it drops past them', async () => {
      const file = join(tempDir(), 'a-file');
      writeFileSync(file, '');
      const down = new CollectingExporter();
      down.hangNext(8);
      const { exporter } = setup(join(file, 'wal'), down);
      for (let i = 0; i < 10; i++) exporter.exportSync(generatedRecords(3, i * 3));
      expect(down.exports).toBe(8);
      expect(exporter.droppedWithoutWal).toBe(6);
    });
  });

  describe('adoption of other slots', () => {
    it('should deliver the backlogs of every slot without a live owner, then release them', async () => {
      const root = tempDir();
      // Three processes' worth of backlog: slot 1 owner died, slot 2 shut down undelivered.
      await fillDirectory(slotDirectory(root, 1), 2, 10);
      writeFileSync(join(root, '1', 'lock'), `${deadPid()}\n${hostname()}\n`);
      const slot2 = await fillDirectory(slotDirectory(root, 2), 3, 10);
      expect(slot2).toHaveLength(30);
      const { exporter, down } = setup(root);
      expect((await exported(exporter, generatedRecords(1, 1000))).code).toBe(0);
      expect(exporter.slot).toBe(0);
      await down.waitFor(() => exporter.adopted === 2, 20_000);
      // fillDirectory numbers each directory's records from 0: count them, and the new one.
      expect(down.records).toHaveLength(51);
      expect(down.ids().filter((id) => id === 1000)).toHaveLength(1);
      for (const n of [1, 2]) {
        expect(existsSync(join(root, String(n), 'lock'))).toBe(false);
        expect(readdirSync(join(root, String(n))).filter((f) => f.endsWith('.wal'))).toEqual([]);
      }
    });

    it('should leave a slot held by a live owner alone', async () => {
      const root = tempDir();
      const a = setup(root);
      await exported(a.exporter, generatedRecords(1, 0));
      a.down.failing = true;
      expect((await exported(a.exporter, generatedRecords(10, 1))).code).toBe(0);
      const b = setup(root);
      await exported(b.exporter, generatedRecords(1, 100));
      await b.down.waitFor(() => b.down.records.length === 1);
      await b.exporter.forceFlush();
      expect(b.exporter.slot).toBe(1);
      expect(b.exporter.adopted).toBe(0);
      expect(b.down.ids()).toEqual([100]);
    });
  });
});
