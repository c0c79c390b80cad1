import { spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExportResultCode } from '@opentelemetry/core';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import { DiskBufferedLogRecordExporter } from '@spillway/disk-buffer';
import { SyntheticRecordGenerator, toReadableLogRecords } from '@spillway/testing';
import { describe, expect, it } from 'vitest';
import { runDoctor } from '../../packages/cli/src/commands/doctor';
import { buildPackages, childEnv, ROOT, start } from './helpers';

async function doctor(env: Record<string, string>) {
  const lines: string[] = [];
  const code = await runDoctor({ env, out: (l) => lines.push(l), probeCollector: false });
  return { code, out: lines.join('\n') };
}

/**
 * A WAL whose downstream is down: what it is given stays pending (no retry within a test), as an
 * app leaves it when the collector is unreachable.
 */
function downBuffer(
  directory: string,
  extra: Partial<ConstructorParameters<typeof DiskBufferedLogRecordExporter>[0]> = {},
) {
  const failing: LogRecordExporter = {
    export: (_r, cb) => cb({ code: ExportResultCode.FAILED, error: new Error('down') }),
    shutdown: async () => {},
    forceFlush: async () => {},
  };
  return new DiskBufferedLogRecordExporter({
    exporter: failing,
    directory,
    retry: { initialMillis: 60_000 },
    shutdownTimeoutMillis: 1,
    ...extra,
  });
}

const freshDir = () => join(mkdtempSync(join(tmpdir(), 'spillway-doctor-')), 'data');

describe('runDoctor', () => {
  it('should pass a good environment and print the effective configuration', async () => {
    const dir = freshDir();
    const { code, out } = await doctor({
      OTEL_SERVICE_NAME: 'shop',
      SPILLWAY_DIR: dir,
      SPILLWAY_FSYNC: 'always',
    });
    expect(code).toBe(0);
    expect(out).toContain('spillway doctor: service "shop"');
    expect(out).toMatch(new RegExp(`SPILLWAY_DIR\\s+${dir}\\s+\\(env\\)`));
    expect(out).toMatch(/SPILLWAY_FSYNC\s+always\s+\(env\)/);
    expect(out).toMatch(/SPILLWAY_MAX_DISK_BYTES\s+1GiB\s+\(default\)/);
    expect(out).toContain(`✓ directory ${dir}: writable`);
    expect(out).toMatch(/✓ free space .* ≥ SPILLWAY_MIN_FREE_BYTES 64.0 MiB/);
    expect(out).toContain('✓ WAL slots: none taken yet');
    expect(out).toMatch(/✓ backlog: 0 B of SPILLWAY_MAX_DISK_BYTES 1.0 GiB/);
    expect(out).toContain('No problems found.');
  });

  it('should fail on every bad variable, naming it', async () => {
    const { code, out } = await doctor({
      SPILLWAY_DIR: freshDir(),
      SPILLWAY_FSYNC: 'sometimes',
      SPILLWAY_SAMPLING: 'info=2',
    });
    expect(code).toBe(1);
    expect(out).toContain('✗ SPILLWAY_FSYNC="sometimes" is not valid');
    expect(out).toContain('✗ SPILLWAY_SAMPLING="info=2" is not valid');
    expect(out).toContain('2 problems found.');
  });

  it('should fail when the directory cannot be written', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'spillway-doctor-')), 'a-file');
    writeFileSync(file, 'not a directory');
    const { code, out } = await doctor({ SPILLWAY_DIR: join(file, 'data') });
    expect(code).toBe(1);
    expect(out).toMatch(/✗ directory .*a-file\/data: not writable: .*ENOTDIR/);
  });

  it('should fail when free space is below SPILLWAY_MIN_FREE_BYTES', async () => {
    const { code, out } = await doctor({
      SPILLWAY_DIR: freshDir(),
      SPILLWAY_MIN_FREE_BYTES: '1000TiB',
    });
    expect(code).toBe(1);
    expect(out).toMatch(
      /✗ free space .* < SPILLWAY_MIN_FREE_BYTES 1000.0 TiB: new records would be dropped/,
    );
  });

  it('should list every WAL slot with its owner and pending records, without failing', async () => {
    const dir = freshDir();
    const wal = join(dir, 'wal');
    // Slot 2: 30 records its owner wrote but never delivered (the collector was down), then died.
    const slot2 = downBuffer(join(wal, '2'));
    const records = toReadableLogRecords(
      new SyntheticRecordGenerator({ seed: 1 }).take(30),
      'shop',
    );
    await new Promise((r) => slot2.export(records, r));
    await slot2.shutdown();
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    writeFileSync(join(wal, '2', 'lock'), `${dead}\n${hostname()}\n`);
    writeFileSync(join(wal, 'lock'), `${process.pid}\n${hostname()}\n`);
    const { code, out } = await doctor({ SPILLWAY_DIR: dir });
    expect(code).toBe(0);
    expect(out).toContain(
      `· WAL slot 0 (${wal}): held by running process ${process.pid} on host ${hostname()}; 0 records pending in 0 segments`,
    );
    expect(out).toContain(
      `· WAL slot 2 (${join(wal, '2')}): owner ${dead} on host ${hostname()} gone: adopted by the next process, its backlog recovered and delivered; 30 records pending in 1 segment`,
    );
    expect(out).not.toContain('WAL slot 1 ');
  });

  it('should count the pending records of an encrypted WAL without its key, and date them with it', async () => {
    const dir = freshDir();
    const wal = join(dir, 'wal');
    const buffer = downBuffer(wal, {
      encryption: { keys: [{ id: 1, key: Buffer.alloc(32, 7) }], activeKeyId: 1 },
    });
    const records = toReadableLogRecords(
      new SyntheticRecordGenerator({ seed: 2 }).take(30),
      'shop',
    );
    for (let i = 0; i < 30; i += 10)
      await new Promise((r) => buffer.export(records.slice(i, i + 10), r));
    await buffer.shutdown();
    const segments = readdirSync(wal).filter((n) => n.endsWith('.wal'));
    expect(segments).toHaveLength(1);
    // Encrypted frames only: a reader that knows the plain frame magic alone would count 0.
    const bytes = readFileSync(join(wal, segments[0]!));
    expect(bytes.includes('SPFE')).toBe(true);
    expect(bytes.includes('SPFR')).toBe(false);

    const keyless = await doctor({ SPILLWAY_DIR: dir });
    expect(keyless.code).toBe(0);
    expect(keyless.out).toMatch(
      new RegExp(
        `· WAL slot 0 \\(${wal}\\): [^\\n]*; 30 records pending in 1 segment; oldest unknown \\(encrypted, no key: set SPILLWAY_ENCRYPTION_KEY_FILE to read it\\)\n`,
      ),
    );
    expect(keyless.out).not.toContain('damaged range');
    expect(keyless.out).toContain('No problems found.');

    const keyFile = join(dir, 'key');
    writeFileSync(keyFile, `1:${'07'.repeat(32)}\n`, { mode: 0o600 });
    const keyed = await doctor({ SPILLWAY_DIR: dir, SPILLWAY_ENCRYPTION_KEY_FILE: keyFile });
    expect(keyed.code).toBe(0);
    expect(keyed.out).toContain(
      `✓ SPILLWAY_ENCRYPTION_KEY_FILE ${keyFile}: 1 key, active key id 1`,
    );
    expect(keyed.out).toMatch(
      new RegExp(
        `· WAL slot 0 \\(${wal}\\): [^\\n]*; 30 records pending in 1 segment; oldest from \\d+ (s|min|h|days) ago\n`,
      ),
    );
    expect(keyed.out).not.toContain('damaged range');

    // Another key under the same id: intact frames no key given opens, held (not damage).
    writeFileSync(keyFile, `1:${'08'.repeat(32)}\n`, { mode: 0o600 });
    const wrong = await doctor({ SPILLWAY_DIR: dir, SPILLWAY_ENCRYPTION_KEY_FILE: keyFile });
    expect(wrong.code).toBe(0);
    expect(wrong.out).toContain('; 30 records pending in 1 segment\n');
    expect(wrong.out).toContain(
      `! WAL slot 0: 3 encrypted frames (30 records) that no key of SPILLWAY_ENCRYPTION_KEY_FILE opens: the app holds the segment until a start with the right key delivers it; details: spillway wal ${wal}`,
    );
    expect(wrong.out).not.toContain('damaged range');

    const missing = await doctor({
      SPILLWAY_DIR: dir,
      SPILLWAY_ENCRYPTION_KEY_FILE: `${keyFile}.nope`,
    });
    expect(missing.code).toBe(1);
    expect(missing.out).toContain(
      `✗ SPILLWAY_ENCRYPTION_KEY_FILE: encryption key file ${keyFile}.nope: cannot open (ENOENT): the app writes no failover file and keeps no write-ahead log until it is fixed`,
    );
  });

  it('should warn about a damaged frame, naming the records lost, and keep counting the rest', async () => {
    const dir = freshDir();
    const wal = join(dir, 'wal');
    const buffer = downBuffer(wal);
    const records = toReadableLogRecords(
      new SyntheticRecordGenerator({ seed: 3 }).take(30),
      'shop',
    );
    for (let i = 0; i < 30; i += 10)
      await new Promise((r) => buffer.export(records.slice(i, i + 10), r));
    await buffer.shutdown();
    const segment = join(wal, readdirSync(wal).find((n) => n.endsWith('.wal'))!);
    const bytes = readFileSync(segment);
    // One flipped payload byte in the second frame (of three): its checksum fails, its 10 are lost.
    const second = bytes.indexOf('SPFR', bytes.indexOf('SPFR') + 1);
    bytes[second + 40]! ^= 0xff;
    writeFileSync(segment, bytes);
    const { code, out } = await doctor({ SPILLWAY_DIR: dir });
    expect(code).toBe(0);
    expect(out).toContain('; 20 records pending in 1 segment');
    expect(out).toContain(
      `! WAL slot 0: 1 damaged range (corrupt; 10 records lost): the app skips them; details: spillway wal ${wal}`,
    );
  });

  it('should fail when the backlog is over SPILLWAY_MAX_DISK_BYTES, and show how to read the files', async () => {
    const dir = freshDir();
    mkdirSync(join(dir, 'files'), { recursive: true });
    // Sparse: 17 MiB by size (what the cap counts), no disk used.
    writeFileSync(join(dir, 'files', 'shop-20260101-000000.zst'), '');
    truncateSync(join(dir, 'files', 'shop-20260101-000000.zst'), 17 * 2 ** 20);
    const { code, out } = await doctor({ SPILLWAY_DIR: dir, SPILLWAY_MAX_DISK_BYTES: '16MiB' });
    expect(code).toBe(1);
    expect(out).toContain('✗ backlog: 17.0 MiB of SPILLWAY_MAX_DISK_BYTES 16.0 MiB');
    expect(out).toContain(`spillway cat ${join(dir, 'files')}`);
  });

  it.each([
    ['SPILLWAY_MAX_QUEUE_BYTES', '0'],
    ['SPILLWAY_MAX_QUEUE_BYTES', '1B'],
    ['SPILLWAY_MAX_DISK_BYTES', '1KiB'],
    ['SPILLWAY_MAX_DISK_BYTES', '0'],
    ['SPILLWAY_DIR', 'relative/spillway'],
    ['OTEL_BLRP_EXPORT_TIMEOUT', '30000h'],
  ])(
    'should report %s=%s, a value that would stop logging, as a problem',
    async (variable, value) => {
      const env = { SPILLWAY_DIR: freshDir(), [variable]: value };
      const { code, out } = await doctor(env);
      expect(code).toBe(1);
      expect(out).toContain(`✗ ${variable}=${JSON.stringify(value)} is not valid: expected `);
    },
  );

  it('should check SPILLWAY_CONFIG_FILE', async () => {
    const dir = freshDir();
    const policy = join(mkdtempSync(join(tmpdir(), 'spillway-doctor-')), 'policy.json');
    writeFileSync(policy, '{"ratios":{"info":0.5},"traceSilenceAfter":10}');
    const good = await doctor({ SPILLWAY_DIR: dir, SPILLWAY_CONFIG_FILE: policy });
    expect(good.out).toContain(
      `✓ SPILLWAY_CONFIG_FILE ${policy}: valid policy (ratios, traceSilenceAfter)`,
    );
    writeFileSync(policy, '{"ratios":{"info":5}}');
    const bad = await doctor({ SPILLWAY_DIR: dir, SPILLWAY_CONFIG_FILE: policy });
    expect(bad.code).toBe(1);
    expect(bad.out).toContain('ratios.info: 5 out of range');
    const missing = await doctor({ SPILLWAY_DIR: dir, SPILLWAY_CONFIG_FILE: `${policy}.nope` });
    expect(missing.out).toMatch(/✗ SPILLWAY_CONFIG_FILE .* cannot be read/);
  });
});

describe('spillway doctor', () => {
  it('should run from the built CLI and exit non-zero on a problem', async () => {
    buildPackages();
    const bin = join(ROOT, 'packages', 'cli', 'bin', 'spillway.mjs');
    const ok = start(
      process.execPath,
      [bin, 'doctor', '--no-probe'],
      childEnv({ SPILLWAY_DIR: freshDir() }),
    );
    expect(await ok.done, ok.stderr()).toEqual({ code: 0, signal: null });
    expect(ok.stdout()).toContain('No problems found.');
    const bad = start(
      process.execPath,
      [bin, 'doctor', '--no-probe'],
      childEnv({ SPILLWAY_DIR: freshDir(), SPILLWAY_FAILOVER: 'kafka' }),
    );
    expect((await bad.done).code).toBe(1);
    expect(bad.stdout()).toContain(
      '✗ SPILLWAY_FAILOVER="kafka" is not valid: expected one of file, none',
    );
  });

  it('should say whether the collector accepts connections', async () => {
    const lines: string[] = [];
    await runDoctor({
      env: { SPILLWAY_DIR: freshDir(), OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://127.0.0.1:1' },
      out: (l) => lines.push(l),
    });
    expect(lines.join('\n')).toMatch(
      /! collector 127.0.0.1:1 \(OTEL_EXPORTER_OTLP_LOGS_ENDPOINT\): unreachable .*records go to local files/,
    );
  });
});
