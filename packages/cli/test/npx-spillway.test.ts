import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, RECORDS, ROOT, useFixture } from './fixture';

// `npm ci` in the repository links node_modules/.bin/spillway only if the bin's target exists
// before anything is built: it is the committed launcher bin/spillway.mjs, which runs dist/.
let root = '';
let dir = '';

useFixture((paths) => ({ root, dir } = paths));

// `--no`: never fetch a package from the registry; the local bin must answer.
function npx(args: string[]) {
  const r = spawnSync('npx', ['--no', 'spillway', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, SPILLWAY_PROGRESS: '0' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('npx spillway', () => {
  it('should be linked by npm to the committed launcher, in package.json and the lockfile', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'packages/cli/package.json'), 'utf8'));
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
    expect(pkg.bin).toEqual({ spillway: './bin/spillway.mjs' });
    expect(lock.packages['packages/cli'].bin).toEqual({ spillway: 'bin/spillway.mjs' });
    expect(pkg.files).toContain('bin');
    expect(realpathSync(join(ROOT, 'node_modules', '.bin', 'spillway'))).toBe(BIN);
  });

  it('should print help from the repository root', () => {
    // `help`, not `--help`: npx takes a `--help` right after the command name as its own.
    const r = npx(['help']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Usage: spillway [options] [command]');
    for (const command of ['cat', 'tail', 'stats', 'verify', 'replay', 'wal', 'doctor'])
      expect(r.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    const cat = npx(['cat', '--help']);
    expect(cat.code, cat.stderr).toBe(0);
    expect(cat.stdout).toContain('Usage: spillway cat [options] <path>');
  });

  it('should read real files from the repository root', () => {
    const r = npx(['cat', '--min-severity', 'error', dir]);
    expect(r.code, r.stderr).toBe(0);
    const errors = RECORDS.filter((x) => (x.severityNumber ?? 0) >= 17);
    expect(errors.length).toBeGreaterThan(0);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(errors.length);
  });

  it('should say how to build the CLI when dist/ is missing, and exit 1', () => {
    const pkg = mkdtempSync(join(root, 'unbuilt-'));
    mkdirSync(join(pkg, 'bin'));
    copyFileSync(BIN, join(pkg, 'bin', 'spillway.mjs'));
    const r = spawnSync(process.execPath, [join(pkg, 'bin', 'spillway.mjs'), '--help'], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `spillway: the CLI is not built yet (${join(pkg, 'dist', 'bin.mjs')} is missing).\n` +
        'Build it at the repository root with `npm run build`, then run the command again.\n',
    );
  });
});
