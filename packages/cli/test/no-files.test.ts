import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { spillway, useFixture } from './fixture';

// A path with nothing to read is not a silent success: the usual mistake is pointing at
// SPILLWAY_DIR instead of its files/ folder, and stderr must say so. Each test makes its own
// folder: they run side by side (describe.concurrent).
let root = '';
let dir = '';

useFixture((paths) => ({ root, dir } = paths));

/** A SPILLWAY_DIR as the app leaves it: wal/ with a segment, files/ with `withFiles` copies. */
function spillwayDir(withFiles: boolean): string {
  const d = mkdtempSync(join(root, 'spillway-dir-'));
  mkdirSync(join(d, 'wal'));
  writeFileSync(join(d, 'wal', '00000000000000000001.wal'), Buffer.alloc(64));
  if (withFiles) cpSync(dir, join(d, 'files'), { recursive: true });
  else mkdirSync(join(d, 'files'));
  return d;
}

describe.concurrent('spillway cat, stats, verify', () => {
  describe('on a SPILLWAY_DIR instead of its files/ folder', () => {
    it.for(['cat', 'stats', 'verify'])(
      '%s should exit 4 and name the files/ folder that holds the files',
      async (command, { expect }) => {
        const d = spillwayDir(true);
        const r = await spillway([command, d]);
        expect(r.code).toBe(4);
        expect(r.stdout).toBe('');
        expect(r.stderr.trimEnd().split('\n')).toEqual([
          `spillway: no .zst files in ${d}, which holds: files/, wal/`,
          `spillway: 2 .zst files in ${join(d, 'files')}: spillway cat ${join(d, 'files')}`,
        ]);
      },
    );

    it('should say that nothing was written yet when files/ is empty', async ({ expect }) => {
      const d = spillwayDir(false);
      const r = await spillway(['cat', d]);
      expect(r.code).toBe(4);
      expect(r.stderr).toContain(
        `spillway: ${d} looks like a SPILLWAY_DIR: its local files go to ${join(d, 'files')} while the collector is unreachable, and none has been written yet`,
      );
    });
  });

  describe('on an empty folder', () => {
    it.for(['cat', 'stats', 'verify'])(
      '%s should exit 4 and say where files are expected',
      async (command, { expect }) => {
        const d = mkdtempSync(join(root, 'empty-'));
        const r = await spillway([command, d]);
        expect(r.code).toBe(4);
        expect(r.stdout).toBe('');
        expect(r.stderr.trimEnd().split('\n')).toEqual([
          `spillway: no .zst files in ${d}: the folder is empty`,
          'spillway: local files are written to <SPILLWAY_DIR>/files (named <service.name>-<YYYYMMDD>-<HHMMSS>.zst) while the collector is unreachable',
        ]);
      },
    );
  });

  describe('with --since after --until', () => {
    it('should be bad usage (exit 2) naming both times, before reading anything', async ({
      expect,
    }) => {
      const r = await spillway([
        'cat',
        '--since',
        '2026-01-01T00:00:20Z',
        '--until',
        '2026-01-01T00:00:10Z',
        dir,
      ]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(
        'error: --since 2026-01-01T00:00:20.000Z is after --until 2026-01-01T00:00:10.000Z: no record can match',
      );
    });

    it('should accept an equal --since and --until (records of that instant)', async ({
      expect,
    }) => {
      const r = await spillway([
        'cat',
        '--since',
        '2026-01-01T00:00:10Z',
        '--until',
        '2026-01-01T00:00:10Z',
        dir,
      ]);
      expect(r.code).toBe(0);
      // Records are 10 ms apart from 00:00:00: exactly one is at 00:00:10.000.
      expect(r.stdout.trimEnd().split('\n')).toHaveLength(1);
    });
  });
});
