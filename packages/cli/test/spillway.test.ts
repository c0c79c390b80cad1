import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, truncateSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { listCompressedFiles, readFrameTable } from '@spillway/file-exporter';
import { describe, it } from 'vitest';
import { BIN, RECORDS as records, run, spillway, useFixture } from './fixture';

// End to end: the command as npm links it (bin/spillway.mjs running the built dist/) in a child
// process, on real files. A test that damages files damages its own copy: the tests run side by
// side (describe.concurrent), their children sharing the cores.
const bin = BIN;
const START = Date.UTC(2026, 0, 1);
let root = '';
let dir = '';

useFixture((paths) => ({ root, dir } = paths));

const HAVE_JQ = spawnSync('bash', ['-c', 'command -v jq']).status === 0;
if (!HAVE_JQ) console.warn('jq CLI missing: the cat | jq test is skipped');

/** A copy of the fixture directory to damage. */
function copyOfFixture(): string {
  const d = mkdtempSync(join(root, 'copy-'));
  execFileSync('cp', ['-r', `${dir}/.`, d]);
  return d;
}

/** A copy of the fixture whose first file has 4 bytes overwritten inside its second frame. */
async function damagedCopy() {
  const d = copyOfFixture();
  const [first] = await listCompressedFiles(d);
  const frame = (await readFrameTable(first!.path)).frames[1]!;
  const fd = openSync(first!.path, 'r+');
  writeSync(fd, Buffer.from('XXXX'), 0, 4, frame.offset + 200);
  closeSync(fd);
  return { d, first: first!, frame };
}

describe.concurrent('spillway', () => {
  it('should print help for the program and every command, exit 0', async ({ expect }) => {
    const top = await spillway(['--help']);
    expect(top.code).toBe(0);
    expect((await spillway(['--version'])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    for (const cmd of ['cat', 'stats', 'verify']) {
      expect(top.stdout).toContain(cmd);
      const r = await spillway([cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: spillway ${cmd}`);
      expect(r.stdout).toContain('Exit codes');
    }
  });

  it('should exit 2 on bad usage and name the problem', async ({ expect }) => {
    const r = await spillway(['cat', '--since', 'yesterday', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/"yesterday" is not a time/);
    expect((await spillway(['cat', '--format', 'xml', dir])).code).toBe(2);
    expect((await spillway(['nope'])).code).toBe(2);
  });

  it('should exit 1 and name the path when it does not exist', async ({ expect }) => {
    const r = await spillway(['stats', join(root, 'missing')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${join(root, 'missing')}: no such file or directory`);
  });
});

describe.concurrent('spillway cat', () => {
  it('should print every record of a directory, oldest first, one line each', async ({
    expect,
  }) => {
    const r = await spillway(['cat', dir]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3000);
    expect(lines[0]).toMatch(/^2026-01-01T00:00:00\.000000000Z \w+\s+shop /);
    expect(lines[2999]).toContain('test.id=2999');
  });

  it.skipIf(!HAVE_JQ)(
    'should print OTLP/JSON lines that jq reads, filtered by ISO --since/--until',
    async ({ expect }) => {
      const since = new Date(START + 12_000).toISOString();
      const until = new Date(START + 17_999).toISOString();
      const r = await run(
        'bash',
        [
          '-o',
          'pipefail',
          '-c',
          `node ${bin} cat --format otlp-json --since ${since} --until ${until} ${dir} | jq -c '.resourceLogs[].scopeLogs[].logRecords[].timeUnixNano'`,
        ],
        { ...process.env, SPILLWAY_PROGRESS: '0' },
      );
      expect(r.code).toBe(0);
      const times = r.stdout
        .trim()
        .split('\n')
        .map((s) => BigInt(JSON.parse(s)));
      expect(times).toHaveLength(600);
      expect(times[0]).toBe(BigInt(START + 12_000) * 1_000_000n);
    },
  );

  it('should filter by relative --since, --min-severity and --trace-id', async ({ expect }) => {
    expect((await spillway(['cat', '--since', '-1h', dir])).stdout).toBe(''); // the fixture is from 2026-01-01
    const errors = (await spillway(['cat', '--min-severity', 'error', dir])).stdout
      .trimEnd()
      .split('\n');
    const expected = records.filter((r) => (r.severityNumber ?? 0) >= 17).length;
    expect(errors).toHaveLength(expected);
    const traceId = records[42]!.spanContext!.traceId;
    const trace = (await spillway(['cat', '--trace-id', traceId, dir])).stdout
      .trimEnd()
      .split('\n');
    expect(trace).toHaveLength(records.filter((r) => r.spanContext?.traceId === traceId).length);
    expect(trace.every((l) => l.includes(`trace_id=${traceId}`))).toBe(true);
  });

  it('should read one file', async ({ expect }) => {
    const [first] = await listCompressedFiles(dir);
    expect((await spillway(['cat', first!.path])).stdout.trimEnd().split('\n')).toHaveLength(1500);
  });

  it('should skip a torn last frame, name the file and offset on stderr and exit 3', async ({
    expect,
  }) => {
    const d = copyOfFixture();
    const [, second] = await listCompressedFiles(d);
    const last = (await readFrameTable(second!.path)).frames[2]!;
    truncateSync(second!.path, last.offset + 100);
    const r = await spillway(['cat', d]);
    expect(r.code).toBe(3);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(2500);
    expect(r.stderr).toContain(`torn: ${second!.path} at offset ${last.offset}`);
  });

  it('should end quietly with exit 0 when the reader closes the pipe', async ({ expect }) => {
    const r = await run(
      'bash',
      ['-c', `node ${bin} cat ${dir} | head -1 >/dev/null; echo "\${PIPESTATUS[0]}"`],
      { ...process.env, SPILLWAY_PROGRESS: '0' },
    );
    expect(r.stdout.trim()).toBe('0');
    expect(r.stderr).toBe('');
  });

  it('should draw a progress bar on stderr only', async ({ expect }) => {
    const r = await spillway(['cat', dir], { SPILLWAY_PROGRESS: '1' });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/spillway .*100% \|/);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(3000);
  });
});

describe.concurrent('spillway stats', () => {
  it('should report files, frames, records by severity, time span, bytes and ratio', async ({
    expect,
  }) => {
    const r = await spillway(['stats', '--json', dir]);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ files: 2, frames: 6, records: 3000, problems: 0 });
    const sum = Object.values(s.recordsBySeverity as Record<string, number>).reduce(
      (a, b) => a + b,
      0,
    );
    expect(sum).toBe(3000);
    expect(s.recordsBySeverity.error).toBe(
      records.filter((x) => (x.severityNumber ?? 0) >= 17 && (x.severityNumber ?? 0) <= 20).length,
    );
    expect(s.firstRecordTime).toBe('2026-01-01T00:00:00.000000000Z');
    expect(s.lastRecordTime).toBe('2026-01-01T00:00:29.990000000Z');
    expect(s.ratio).toBeCloseTo(s.compressedBytes / s.rawBytes, 10);
    expect(s.ratio).toBeLessThan(0.15);
    const table = await spillway(['stats', dir]);
    expect(table.stdout).toMatch(/^records\s+3000$/m);
    expect(table.stdout).toMatch(/^ratio\s+\d+\.\d\d%$/m);
  });
});

describe.concurrent('spillway verify', () => {
  it('should pass sound files with exit 0', async ({ expect }) => {
    const r = await spillway(['verify', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('2 files verified, no problem');
  });

  it('should name the file and offset of a corrupt frame and exit 1', async ({ expect }) => {
    const { d, first, frame } = await damagedCopy();
    const r = await spillway(['verify', d]);
    expect(r.code).toBe(1);
    // Problems go to stderr (pipes of stdout see only the sound files and the summary).
    expect(r.stderr).toContain(
      `spillway: corrupt: ${first!.path} at offset ${frame.offset}: frame 1 at offset ${frame.offset}: data checksum mismatch`,
    );
    expect(r.stderr).toContain(`FAILED ${first!.path}: 1 problem`);
    expect(r.stdout).not.toContain('corrupt');
    expect(r.stdout).not.toContain('FAILED');
    expect(r.stdout.trimEnd().split('\n')).toEqual([
      expect.stringMatching(
        /^ok .*shop-20260101-000001\.zst: 3 frames, 1500 records, \d+ raw bytes$/,
      ),
      '1 of 2 files have problems',
    ]);
  });

  it('should print one JSON object with --json: each file, its problems, exit 1 on damage', async ({
    expect,
  }) => {
    const sound = await spillway(['verify', '--json', dir]);
    expect(sound.code).toBe(0);
    const ok = JSON.parse(sound.stdout);
    expect(ok.ok).toBe(true);
    expect(ok.files).toHaveLength(2);
    expect(ok.files.reduce((n: number, f: { records: number }) => n + f.records, 0)).toBe(
      records.length,
    );
    const { d, first, frame } = await damagedCopy();
    const damaged = await spillway(['verify', '--json', d]);
    expect(damaged.code).toBe(1);
    const report = JSON.parse(damaged.stdout);
    expect(report.ok).toBe(false);
    const bad = report.files.find((f: { path: string }) => f.path === first!.path);
    expect(bad.ok).toBe(false);
    expect(bad.problems).toEqual([
      expect.objectContaining({ kind: 'corrupt', offset: frame.offset, records: frame.records }),
    ]);
    expect(damaged.stderr).toContain(`spillway: corrupt: ${first!.path} at offset ${frame.offset}`);
  });

  it('should report a lost index and rebuild it with --fix-index', async ({ expect }) => {
    const d = copyOfFixture();
    const [first] = await listCompressedFiles(d);
    unlinkSync(`${first!.path}.idx`);
    const r = await spillway(['verify', d]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${first!.path}.idx: index missing`);
    expect(r.stdout).not.toContain('index missing');
    expect((await spillway(['verify', '--fix-index', d])).code).toBe(0);
    expect((await spillway(['verify', d])).code).toBe(0);
  });
});
