import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { DiskBufferedLogRecordExporter } from '../src/index';
import type { DiskBufferOptions } from '../src/types';
import { CollectingExporter } from './helpers/collecting-exporter';
import { corpusRecords } from './helpers/records';

// A real 16 MiB tmpfs: the file system fills up for real (statfs and ENOSPC). Mounting needs root
// (CAP_SYS_ADMIN); without it the tests are skipped with the reason printed.
const mountPoint = mkdtempSync(join(tmpdir(), 'spillway-tmpfs-'));
let skipReason: string | undefined;
if (typeof process.getuid === 'function' && process.getuid() !== 0) {
  skipReason = 'not root: cannot mount a tmpfs';
} else {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', mountPoint], {
      stdio: 'pipe',
    });
  } catch (err) {
    skipReason = `mount -t tmpfs failed: ${(err as Error).message.split('\n')[0]}`;
  }
}
if (skipReason) console.warn(`disk-full tests skipped: ${skipReason}`);

afterAll(() => {
  // Lazy unmount: still detaches if a failed test left a file open.
  if (!skipReason) execFileSync('umount', ['-l', mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
});

let n = 0;
function setup(opts: Partial<DiskBufferOptions>) {
  const directory = join(mountPoint, `buf-${n++}`);
  mkdirSync(directory);
  const down = new CollectingExporter();
  down.failing = true;
  const exporter = new DiskBufferedLogRecordExporter({
    exporter: down,
    directory,
    fsync: 'always',
    segmentBytes: 1024 * 1024,
    retry: { initialMillis: 5, maxMillis: 20 },
    shutdownTimeoutMillis: 100,
    ...opts,
  });
  let sent = 0;
  const send = async (batches: number) => {
    const codes: number[] = [];
    for (let i = 0; i < batches; i++) {
      const recs = corpusRecords(200, sent);
      sent += 200;
      codes.push((await new Promise<{ code: number }>((r) => exporter.export(recs, r))).code);
    }
    return codes;
  };
  const cleanup = async () => {
    await exporter.shutdown();
    rmSync(directory, { recursive: true, force: true });
    rmSync(join(mountPoint, 'filler'), { force: true });
  };
  return { exporter, down, send, sent: () => sent, cleanup };
}

describe('DiskBufferedLogRecordExporter', () => {
  describe('disk full', () => {
    it.skipIf(skipReason !== undefined)(
      'should keep the free-space floor, count drops exactly, and resume when space returns',
      async () => {
        const filler = join(mountPoint, 'filler');
        writeFileSync(filler, Buffer.alloc(10 * 1024 * 1024));
        const { exporter, down, send, sent, cleanup } = setup({ minFreeBytes: 2 * 1024 * 1024 });
        onTestFinished(cleanup);
        await send(150); // ~6 MiB of records against ~4 MiB above the floor
        const full = exporter.getStats();
        expect(full.dropped.disk_full).toBeGreaterThan(0);
        rmSync(filler);
        const before = exporter.getStats().dropped.disk_full;
        const codes = await send(20);
        expect(codes.every((c) => c === 0)).toBe(true);
        expect(exporter.getStats().dropped.disk_full).toBe(before);
        down.failing = false;
        await down.waitFor(() => exporter.getStats().pendingRecords === 0);
        await exporter.forceFlush();
        expect(down.records.length + exporter.getStats().dropped.disk_full).toBe(sent());
        const bySeverity = exporter.getStats().droppedBySeverity;
        expect(bySeverity.unknown).toBe(0);
        expect(Object.values(bySeverity).reduce((a, b) => a + b, 0)).toBe(
          exporter.getStats().dropped.disk_full,
        );
        expect(new Set(down.ids()).size).toBe(down.records.length);
      },
    );

    it.skipIf(skipReason !== undefined)(
      'should survive ENOSPC from the file system itself and count the failed batches',
      async () => {
        const filler = join(mountPoint, 'filler');
        writeFileSync(filler, Buffer.alloc(12 * 1024 * 1024));
        const { exporter, down, send, sent, cleanup } = setup({
          minFreeBytes: 0,
          whenFull: 'drop_newest',
        });
        onTestFinished(cleanup);
        const codes = await send(150);
        expect(codes).toContain(1);
        expect(exporter.getStats().dropped.disk_full).toBeGreaterThan(0);
        // minFreeBytes 0 and the default 1 GiB cap: only ENOSPC itself can have failed these.
        rmSync(filler);
        const more = await send(10);
        expect(more.every((c) => c === 0)).toBe(true);
        down.failing = false;
        await down.waitFor(() => exporter.getStats().pendingRecords === 0);
        await exporter.forceFlush();
        expect(down.records.length + exporter.getStats().dropped.disk_full).toBe(sent());
        const bySeverity = exporter.getStats().droppedBySeverity;
        expect(bySeverity.unknown).toBe(0);
        expect(Object.values(bySeverity).reduce((a, b) => a + b, 0)).toBe(
          exporter.getStats().dropped.disk_full,
        );
        expect(exporter.getStats().dropped.corrupt).toBe(0);
      },
    );
  });
});
