import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CompressedFileWriter,
  createReadStats,
  listCompressedFiles,
  readFrames,
  readLogRecords,
  verifyCompressedFile,
} from '../src/index';
import { generatedRecords, tempDir } from './helpers';

// Paths named like our files that are not regular files: a directory, a FIFO (whose plain open
// would wait for a writer forever), a symlink loop. Each is a reported problem, never a throw or
// a hang, and the real files beside them are read.

function hostileDir() {
  const dir = tempDir();
  mkdirSync(join(dir, 'svc-20260101-000001.zst'));
  execFileSync('mkfifo', [join(dir, 'svc-20260101-000002.zst')]);
  symlinkSync(join(dir, 'svc-20260101-000004.zst'), join(dir, 'svc-20260101-000003.zst'));
  symlinkSync(join(dir, 'svc-20260101-000003.zst'), join(dir, 'svc-20260101-000004.zst'));
  return dir;
}

async function writeGood(dir: string, n: number): Promise<string> {
  const path = join(dir, 'svc-20260101-000000.zst');
  const w = await CompressedFileWriter.create(path);
  w.appendRecords(generatedRecords(n));
  await w.close();
  return path;
}

describe('verifyCompressedFile', () => {
  it('should report a directory, a FIFO and a symlink loop named *.zst as problems, not throw', async () => {
    const dir = hostileDir();
    for (const name of ['000001', '000002', '000003']) {
      const report = await verifyCompressedFile(join(dir, `svc-20260101-${name}.zst`));
      expect(report.ok).toBe(false);
      expect(report.frames).toBe(0);
      expect(report.problems.map((p) => p.kind)).toEqual(['unreadable']);
    }
    const dirReport = await verifyCompressedFile(join(dir, 'svc-20260101-000001.zst'));
    expect(dirReport.problems[0]!.message).toMatch(/a directory, not a file/);
  });

  it('should not wait on a FIFO named like the index', async () => {
    const dir = tempDir();
    const path = await writeGood(dir, 10);
    execFileSync('rm', [`${path}.idx`]);
    execFileSync('mkfifo', [`${path}.idx`]);
    const report = await verifyCompressedFile(path);
    expect(report.records).toBe(10);
    expect(report.problems.map((p) => p.kind)).toEqual(['index']);
  });
});

describe('readLogRecords', () => {
  it('should read the real file of a directory and report each hostile entry once', async () => {
    const dir = hostileDir();
    await writeGood(dir, 50);
    const stats = createReadStats();
    let n = 0;
    for await (const _ of readLogRecords(dir, { stats })) n++;
    expect(n).toBe(50);
    // The two links of the loop are both named like our files: each is reported.
    expect(stats.filesUnreadable).toBe(4);
    expect(stats.problems.map((p) => p.kind)).toEqual(Array(4).fill('unreadable'));
  });

  it('should report a FIFO or a symlink loop asked for by name', async () => {
    const dir = hostileDir();
    for (const name of ['000002', '000003']) {
      const stats = createReadStats();
      for await (const _ of readFrames(join(dir, `svc-20260101-${name}.zst`), { stats })) {
        expect.unreachable();
      }
      expect(stats.filesUnreadable).toBe(1);
    }
  });
});

describe('listCompressedFiles', () => {
  it('should leave out and report entries that are not regular files', async () => {
    const dir = hostileDir();
    const path = await writeGood(dir, 1);
    const problems: string[] = [];
    const files = await listCompressedFiles(dir, { onProblem: (p) => problems.push(p.message) });
    expect(files.map((f) => f.path)).toEqual([path]);
    expect(problems).toHaveLength(4);
  });
});

describe('CompressedFileWriter.create', () => {
  it('should leave no empty file behind when the index cannot be created', async () => {
    const dir = tempDir();
    const path = join(dir, 'svc-20260101-000000.zst.tmp');
    mkdirSync(`${path}.idx`); // opening it for writing fails (EISDIR), as ENOSPC would
    await expect(CompressedFileWriter.create(path)).rejects.toThrow(/EISDIR/);
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(dir)).toEqual(['svc-20260101-000000.zst.tmp.idx']); // not ours: kept
  });
});
