import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statfsSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { DiskBufferedLogRecordExporter } from '../src/index';
import type { DiskBufferOptions } from '../src/types';
import { CollectingExporter } from './helpers/collecting-exporter';
import { generatedRecords } from './helpers/records';

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

// A second tmpfs with few inodes: out of inodes is as full as out of bytes.
const inodeMount = mkdtempSync(join(tmpdir(), 'spillway-inodes-'));
let inodeSkip = skipReason;
if (!inodeSkip) {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m,nr_inodes=64', 'tmpfs', inodeMount], {
      stdio: 'pipe',
    });
  } catch (err) {
    inodeSkip = `mount -t tmpfs -o nr_inodes failed: ${(err as Error).message.split('\n')[0]}`;
    console.warn(`disk-full inode test skipped: ${inodeSkip}`);
  }
}

afterAll(() => {
  if (!inodeSkip) execFileSync('umount', ['-l', inodeMount]);
  rmSync(inodeMount, { recursive: true, force: true });
  // Lazy unmount: still detaches if a failed test left a file open.
  if (!skipReason) execFileSync('umount', ['-l', mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
});

/** Open descriptors of this process that point at deleted files under `root`. */
function deletedOpenFiles(root: string): string[] {
  const out: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(root) && target.endsWith('(deleted)')) out.push(target);
    } catch {
      // Closed between the listing and the readlink.
    }
  }
  return out;
}

function usedBytes(root: string): number {
  const s = statfsSync(root);
  return (s.blocks - s.bfree) * s.bsize;
}

/** Bytes allocated to the files of `dir` (`du`). */
function bytesOfFiles(dir: string): number {
  return readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).blocks * 512, 0);
}

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
      const recs = generatedRecords(200, sent);
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
    it.skipIf(inodeSkip !== undefined)(
      'should count batches disk_full while the file system is out of inodes, and resume',
      async () => {
        const directory = join(inodeMount, 'buf');
        mkdirSync(directory);
        const down = new CollectingExporter();
        const exporter = new DiskBufferedLogRecordExporter({
          exporter: down,
          directory,
          fsync: 'always',
          minFreeBytes: 0,
          whenFull: 'drop_newest',
          retry: { initialMillis: 5, maxMillis: 20 },
        });
        onTestFinished(() => exporter.shutdown());
        const fillers: string[] = [];
        for (let i = 0; ; i++) {
          const f = join(inodeMount, `inode-${i}`);
          try {
            writeFileSync(f, '');
          } catch {
            break;
          }
          fillers.push(f);
        }
        expect(statfsSync(inodeMount).ffree).toBe(0);
        const send = (from: number) =>
          new Promise<{ code: number }>((r) => exporter.export(generatedRecords(100, from), r));
        const full = [];
        for (let b = 0; b < 5; b++) full.push((await send(b * 100)).code);
        expect(full).toEqual([1, 1, 1, 1, 1]);
        expect(exporter.getStats().dropped.disk_full.total).toBe(500);
        for (const f of fillers) rmSync(f);
        const back = [];
        for (let b = 5; b < 10; b++) back.push((await send(b * 100)).code);
        expect(back).toEqual([0, 0, 0, 0, 0]);
        await down.waitFor(() => exporter.getStats().recordsPending === 0);
        expect(down.records).toHaveLength(500);
        expect(exporter.getStats().dropped.disk_full.total).toBe(500);
      },
    );

    it.skipIf(skipReason !== undefined)(
      'should free evicted files for real (closed, then unlinked) and resume when the downstream returns',
      async () => {
        const warnings: Error[] = [];
        const onWarning = (w: Error) => warnings.push(w);
        process.on('warning', onWarning);
        onTestFinished(() => {
          process.off('warning', onWarning);
        });
        const { exporter, down, send, sent, cleanup } = setup({
          minFreeBytes: 1024 * 1024,
          spillAfterBytes: 2 * 1024 * 1024,
        });
        onTestFinished(cleanup);
        const directory = join(mountPoint, `buf-${n - 1}`);
        // ~3 × the file system: the floor is reached again and again, oldest files evicted.
        const codes = await send(1200);
        const s = exporter.getStats();
        expect(s.dropped.disk_full.total).toBeGreaterThan(0);
        // drop_oldest admits every new batch by evicting old files: nothing new is refused.
        expect(codes.filter((c) => c !== 0)).toHaveLength(0);
        // No handle on a deleted file: what statfs reports used is what the files hold.
        expect(deletedOpenFiles(mountPoint)).toEqual([]);
        const fsUsed = usedBytes(mountPoint);
        expect(fsUsed).toBeLessThanOrEqual(bytesOfFiles(directory) + 64 * 1024);
        // The one conversion in flight writes a .zst.tmp and its .idx (a conversion abandoned by an
        // eviction must leave none behind: checked after shutdown below).
        expect(readdirSync(directory).filter((f) => f.includes('.tmp')).length).toBeLessThanOrEqual(
          2,
        );
        down.failing = false;
        await down.waitFor(() => exporter.getStats().recordsPending === 0, 30_000);
        await exporter.forceFlush();
        const end = exporter.getStats();
        expect(down.records.length + end.dropped.disk_full.total).toBe(sent());
        expect(new Set(down.ids()).size).toBe(down.records.length);
        expect(end.dropped.corrupt.total).toBe(0);
        expect(deletedOpenFiles(mountPoint)).toEqual([]);
        await exporter.shutdown();
        expect(readdirSync(directory).filter((f) => f.includes('.tmp'))).toEqual([]);
        expect(
          warnings.filter((w) => /DEP0137|garbage collection/.test(`${w.name} ${w.message}`)),
        ).toEqual([]);
      },
    );

    it.skipIf(skipReason !== undefined)(
      'should keep the free-space floor, count drops exactly, and resume when space returns',
      async () => {
        const filler = join(mountPoint, 'filler');
        writeFileSync(filler, Buffer.alloc(10 * 1024 * 1024));
        const { exporter, down, send, sent, cleanup } = setup({ minFreeBytes: 2 * 1024 * 1024 });
        onTestFinished(cleanup);
        await send(150); // ~6 MiB of records against ~4 MiB above the floor
        const full = exporter.getStats();
        expect(full.dropped.disk_full.total).toBeGreaterThan(0);
        rmSync(filler);
        const before = exporter.getStats().dropped.disk_full.total;
        const codes = await send(20);
        expect(codes.every((c) => c === 0)).toBe(true);
        expect(exporter.getStats().dropped.disk_full.total).toBe(before);
        down.failing = false;
        await down.waitFor(() => exporter.getStats().recordsPending === 0);
        await exporter.forceFlush();
        expect(down.records.length + exporter.getStats().dropped.disk_full.total).toBe(sent());
        const { total, ...bySeverity } = exporter.getStats().dropped.disk_full;
        expect(bySeverity.unknown).toBe(0);
        expect(Object.values(bySeverity).reduce((a, b) => a + b, 0)).toBe(total);
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
        expect(exporter.getStats().dropped.disk_full.total).toBeGreaterThan(0);
        // minFreeBytes 0 and the default 1 GiB cap: only ENOSPC itself can have failed these.
        rmSync(filler);
        const more = await send(10);
        expect(more.every((c) => c === 0)).toBe(true);
        down.failing = false;
        await down.waitFor(() => exporter.getStats().recordsPending === 0);
        await exporter.forceFlush();
        expect(down.records.length + exporter.getStats().dropped.disk_full.total).toBe(sent());
        const { total, ...bySeverity } = exporter.getStats().dropped.disk_full;
        expect(bySeverity.unknown).toBe(0);
        expect(Object.values(bySeverity).reduce((a, b) => a + b, 0)).toBe(total);
        expect(exporter.getStats().dropped.corrupt.total).toBe(0);
      },
    );
  });
});
