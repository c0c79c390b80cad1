import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeDirectorySync } from '../src/internal/make-directory';

// A read-only file system needs a mount, which only root can make here; elsewhere the EROFS case
// is skipped with this reason printed.
function mountReadOnly(): { dir: string; unmount: () => void } | string {
  const dir = mkdtempSync(join(tmpdir(), 'spillway-ro-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', dir], { stdio: 'pipe' });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    return `cannot mount a read-only tmpfs (${(e as Error).message.split('\n')[0]})`;
  }
  return {
    dir,
    unmount: () => {
      execFileSync('umount', [dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const ro = mountReadOnly();
if (typeof ro === 'string') console.warn(`make-directory.test: EROFS case skipped: ${ro}`);
afterAll(() => {
  if (typeof ro !== 'string') ro.unmount();
});

describe('makeDirectorySync', () => {
  it('should create missing parents with the mode', () => {
    const root = mkdtempSync(join(tmpdir(), 'spillway-md-'));
    makeDirectorySync(join(root, 'a', 'b', 'c'));
    expect(statSync(join(root, 'a', 'b', 'c')).isDirectory()).toBe(true);
    expect(statSync(join(root, 'a')).mode & 0o777).toBe(0o700);
    makeDirectorySync(join(root, 'a', 'b', 'c'));
  });

  it('should report a file in the way as ENOTDIR', () => {
    const root = mkdtempSync(join(tmpdir(), 'spillway-md-'));
    writeFileSync(join(root, 'file'), '');
    expect(() => makeDirectorySync(join(root, 'file', 'x', 'y'))).toThrow(/ENOTDIR/);
  });

  it.skipIf(typeof ro === 'string')(
    'should report a read-only file system as EROFS, not ENOENT',
    () => {
      if (typeof ro === 'string') return;
      expect(() => makeDirectorySync(join(ro.dir, 'spillway', 'wal'))).toThrow(
        expect.objectContaining({ code: 'EROFS' }),
      );
    },
  );
});
