import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replaceFileAtomically, replaceFileAtomicallySync } from '../src/index';
import { tempDir } from './helpers';

const variants = [
  ['replaceFileAtomically', replaceFileAtomically],
  [
    'replaceFileAtomicallySync',
    async (...args: Parameters<typeof replaceFileAtomicallySync>) =>
      replaceFileAtomicallySync(...args),
  ],
] as const;

describe.each(variants)('%s', (_name, replace) => {
  it('should replace the content and leave no temp file behind, also when the write fails', async () => {
    const dir = tempDir();
    const path = join(dir, 'small');
    await replace(path, 'one');
    await replace(path, new TextEncoder().encode('two'));
    expect(readFileSync(path, 'utf8')).toBe('two');
    await expect(replace(join(dir, 'missing', 'x'), 'y')).rejects.toThrow(/ENOENT/);
    expect(readdirSync(dir)).toEqual(['small']);
  });

  it('should remove its temp file when the rename fails (a directory where the file should be)', async () => {
    const dir = tempDir();
    const path = join(dir, 'small');
    mkdirSync(join(path, 'inside'), { recursive: true });
    await expect(replace(path, 'data')).rejects.toThrow(/EISDIR|ENOTEMPTY|EEXIST/);
    expect(readdirSync(dir)).toEqual(['small']);
    expect(readdirSync(path)).toEqual(['inside']);
  });

  it('should create the file with the given mode, 0600 by default, durable or not', async () => {
    const dir = tempDir();
    await replace(join(dir, 'a'), 'x');
    await replace(join(dir, 'b'), 'y', { mode: 0o640 });
    await replace(join(dir, 'c'), 'z', { durable: false });
    expect(statSync(join(dir, 'a')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'b')).mode & 0o777).toBe(0o640 & ~process.umask());
    expect(readFileSync(join(dir, 'c'), 'utf8')).toBe('z');
    expect(readdirSync(dir).sort()).toEqual(['a', 'b', 'c']);
  });
});
