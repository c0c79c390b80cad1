import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { ExportResultCode } from '@opentelemetry/core';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import { DiskBufferedLogRecordExporter } from '@spillway/disk-buffer';
import { SyntheticRecordGenerator, toReadableLogRecords } from '@spillway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, ROOT, spillway } from './fixture';

// End to end: the built `spillway wal` on WAL directories the real DiskBufferedLogRecordExporter
// wrote with a downstream that never succeeds (so every record stays pending), one of them owned
// by a live child process while it is inspected. A test that damages a WAL damages its own copy:
// the tests run side by side (describe.concurrent), their children sharing the cores.

const BATCHES = 3;
const PER_BATCH = 50;
const RECORDS = toReadableLogRecords(
  new SyntheticRecordGenerator({ seed: 3, intervalMicros: 1_000 }).take(BATCHES * PER_BATCH),
  'shop',
);
let root = '';
let wal = '';

/** A downstream that is always down. */
const down: LogRecordExporter = {
  export: (_r, cb) => cb({ code: ExportResultCode.FAILED, error: new Error('collector down') }),
  forceFlush: async () => {},
  shutdown: async () => {},
};

beforeAll(async () => {
  buildCli();
  root = mkdtempSync(join(tmpdir(), 'spillway-wal-'));
  wal = join(root, 'data', 'wal');
  mkdirSync(wal, { recursive: true });
  const exporter = new DiskBufferedLogRecordExporter({
    exporter: down,
    directory: wal,
    fsync: 'always',
    retry: { initialMillis: 60_000 },
    shutdownTimeoutMillis: 1,
  });
  for (let b = 0; b < BATCHES; b++)
    await new Promise((res) =>
      exporter.export(RECORDS.slice(b * PER_BATCH, (b + 1) * PER_BATCH), res),
    );
  await exporter.shutdown();
}, 300_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Names and sizes of the files of a directory. */
function listing(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .map((n) => `${n} ${statSync(join(dir, n)).size}`);
}

const segmentOf = (dir: string) => join(dir, readdirSync(dir).find((n) => n.endsWith('.wal'))!);

describe.concurrent('spillway wal', () => {
  it('should print help with examples and exit codes', async ({ expect }) => {
    const r = await spillway(['wal', '--help']);
    expect(r.code).toBe(0);
    for (const text of ['Usage: spillway wal', 'Examples:', '--verify', '--cat', 'Exit codes'])
      expect(r.stdout).toContain(text);
  });

  it('should show the pending records, their oldest time and the checkpoint, as JSON', async ({
    expect,
  }) => {
    const r = await spillway(['wal', wal, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { slots } = JSON.parse(r.stdout);
    expect(slots).toHaveLength(1);
    const t = RECORDS[0]!.hrTime;
    expect(slots[0]).toMatchObject({
      slot: 0,
      directory: wal,
      segments: 1,
      spillFiles: 0,
      recordsPending: BATCHES * PER_BATCH,
      corruptFrames: 0,
      lock: null,
      checkpoint: { state: 'ok', kind: 'wal', position: 32, trusted: true },
      oldestPendingTime: `${new Date(t[0] * 1000).toISOString().slice(0, 19)}.${String(t[1]).padStart(9, '0')}Z`,
    });
    const text = await spillway(['wal', wal]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(
      `pending     ${BATCHES * PER_BATCH} records in 1 segment and 0 spill files`,
    );
    expect(text.stdout).toContain('lock        none');
  });

  it('should print the pending records with --cat, in delivery order', async ({ expect }) => {
    const r = await spillway(['wal', wal, '--cat']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(BATCHES * PER_BATCH);
    expect(lines.map((l) => Number(/test\.id=(\d+)/.exec(l)?.[1]))).toEqual(
      RECORDS.map((x) => x.attributes['test.id']),
    );
    const json = await spillway(['wal', wal, '--cat', '--format', 'otlp-json']);
    const count = json.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l).resourceLogs[0].scopeLogs[0].logRecords.length)
      .reduce((a: number, b: number) => a + b, 0);
    expect(count).toBe(BATCHES * PER_BATCH);
  });

  it('should print pending records with `cat <wal dir>`, through the filters of cat', async ({
    expect,
  }) => {
    const all = await spillway(['cat', '--format', 'json', wal]);
    expect(all.code).toBe(0);
    const ids = all.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l).attributes['test.id']);
    expect(ids).toEqual(RECORDS.map((x) => x.attributes['test.id']));
    const errors = RECORDS.filter((x) => (x.severityNumber as number) >= 17);
    const filtered = await spillway(['cat', '--min-severity', 'error', '--format', 'json', wal]);
    expect(filtered.code).toBe(0);
    expect(filtered.stdout.trimEnd().split('\n').filter(Boolean)).toHaveLength(errors.length);
    const limited = await spillway(['cat', '--limit', '4', wal]);
    expect(limited.stdout.trimEnd().split('\n')).toHaveLength(4);
  });

  it('should name a flipped byte by file and offset: exit 3, and 1 with --verify', async ({
    expect,
  }) => {
    const copy = join(root, 'flipped');
    cpSync(wal, copy, { recursive: true });
    const seg = segmentOf(copy);
    const b = readFileSync(seg);
    // Frames start after the 32-byte segment header; a byte inside the first frame's payload.
    b[32 + 24 + 10] = b[32 + 24 + 10]! ^ 0xff;
    writeFileSync(seg, b);
    const r = await spillway(['wal', copy, '--json']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      new RegExp(`^spillway: corrupt: ${seg} at offset 32: .* ${PER_BATCH} records lost`),
    );
    expect(JSON.parse(r.stdout).slots[0]).toMatchObject({
      corruptFrames: 1,
      recordsPending: (BATCHES - 1) * PER_BATCH,
    });
    expect((await spillway(['wal', copy, '--verify'])).code).toBe(1);
    expect((await spillway(['wal', wal, '--verify'])).code).toBe(0);
    const cat = await spillway(['wal', copy, '--cat']);
    expect(cat.code).toBe(3);
    expect(cat.stdout.trimEnd().split('\n')).toHaveLength((BATCHES - 1) * PER_BATCH);
  });

  it('should read an encrypted WAL with --key-file or SPILLWAY_ENCRYPTION_KEY_FILE, and name its frames without', async ({
    expect,
  }) => {
    const dir = join(root, 'encrypted');
    const key = Buffer.alloc(32, 0x3c);
    const keyFile = join(root, 'wal-key');
    writeFileSync(keyFile, `5:${key.toString('hex')}\n`, { mode: 0o600 });
    const exporter = new DiskBufferedLogRecordExporter({
      exporter: down,
      directory: dir,
      fsync: 'always',
      retry: { initialMillis: 60_000 },
      shutdownTimeoutMillis: 1,
      encryption: { keys: [{ id: 5, key }], activeKeyId: 5 },
    });
    await new Promise((res) => exporter.export(RECORDS.slice(0, PER_BATCH), res));
    await exporter.shutdown();
    const ids = RECORDS.slice(0, PER_BATCH).map((x) => x.attributes['test.id']);
    const idsOf = (out: string) =>
      out
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l).attributes['test.id']);

    const keyed = await spillway(['wal', dir, '--key-file', keyFile, '--cat', '--format', 'json']);
    expect(keyed.stderr).toBe('');
    expect(keyed.code).toBe(0);
    expect(idsOf(keyed.stdout)).toEqual(ids);
    const viaEnv = await spillway(['cat', '--format', 'json', dir], {
      SPILLWAY_ENCRYPTION_KEY_FILE: keyFile,
    });
    expect(viaEnv.code).toBe(0);
    expect(idsOf(viaEnv.stdout)).toEqual(ids);
    expect((await spillway(['cat', '--key-file', keyFile, dir])).code).toBe(0);

    const keyless = await spillway(['wal', dir, '--json']);
    expect(keyless.code).toBe(3);
    expect(keyless.stderr).toMatch(
      /^spillway: undecryptable: .*\.wal at offset 32: .*encrypted with key id 5 and no encryption key was given/,
    );
    expect(JSON.parse(keyless.stdout).slots[0]).toMatchObject({
      corruptFrames: 1,
      recordsPending: PER_BATCH,
    });
    const bad = await spillway(['wal', dir, '--key-file', join(root, 'no-such-key')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('no-such-key: cannot open (ENOENT)');
  });

  it('should exit 1 for a missing directory, 4 for one without WAL files (naming wal/ inside)', async ({
    expect,
  }) => {
    const missing = await spillway(['wal', join(root, 'nope')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no such file or directory');
    const dataDir = join(root, 'data');
    const r = await spillway(['wal', dataDir]);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`spillway wal ${wal}`);
  });
});

describe.concurrent('spillway wal on a directory a live process owns', () => {
  let child: ChildProcess;
  let dir = '';
  let lines: AsyncIterator<string>;

  const next = async (): Promise<string> => (await lines.next()).value as string;

  beforeAll(async () => {
    dir = join(root, 'live');
    const url = (pkg: string) =>
      pathToFileURL(join(ROOT, 'packages', pkg, 'dist', 'index.mjs')).href;
    // The owner: exports a batch per line on stdin to a downstream that is down, and prints its
    // stats after each, as one JSON line.
    const script = `
      import { DiskBufferedLogRecordExporter } from ${JSON.stringify(url('disk-buffer'))};
      import { SyntheticRecordGenerator, toReadableLogRecords } from ${JSON.stringify(url('testing'))};
      import { createInterface } from 'node:readline';
      const down = { export: (_r, cb) => cb({ code: 1, error: new Error('down') }), shutdown: async () => {} };
      const exporter = new DiskBufferedLogRecordExporter({ exporter: down, directory: ${JSON.stringify(dir)},
        fsync: 'always', retry: { initialMillis: 60000 } });
      const gen = new SyntheticRecordGenerator({ seed: 9 });
      for await (const _ of createInterface({ input: process.stdin })) {
        const r = await new Promise((res) => exporter.export(toReadableLogRecords(gen.take(${PER_BATCH}), 'live'), res));
        const s = exporter.getStats();
        console.log(JSON.stringify({ code: r.code, pending: s.recordsPending }));
      }`;
    child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    child.stdin!.write('go\n');
    expect(JSON.parse(await next())).toMatchObject({ code: 0, pending: PER_BATCH });
  }, 60_000);

  afterAll(async () => {
    child.kill('SIGTERM');
    if (child.exitCode === null) await once(child, 'exit');
  });

  it('should name the owner and its backlog, and leave the directory and its lock as they were', async ({
    expect,
  }) => {
    const lockBefore = readFileSync(join(dir, 'lock'), 'utf8');
    const before = listing(dir);
    const r = await spillway(['wal', dir, '--json']);
    expect(r.code).toBe(0);
    const [slot] = JSON.parse(r.stdout).slots;
    expect(slot.lock).toMatchObject({ state: 'running', pid: child.pid });
    expect(slot.lock.heartbeatAgeMillis).toBeLessThan(60_000);
    expect(slot.recordsPending).toBe(PER_BATCH);
    expect((await spillway(['wal', dir, '--verify'])).code).toBe(0);
    expect((await spillway(['wal', dir, '--cat'])).stdout.trimEnd().split('\n')).toHaveLength(
      PER_BATCH,
    );
    expect(listing(dir)).toEqual(before);
    expect(readFileSync(join(dir, 'lock'), 'utf8')).toBe(lockBefore);
    // The owner goes on as if nothing happened, and the next inspection sees its new records.
    child.stdin!.write('more\n');
    // Its WAL took the batch (code 0) while its downstream stays down.
    expect(JSON.parse(await next())).toMatchObject({ code: 0, pending: 2 * PER_BATCH });
    const again = JSON.parse((await spillway(['wal', dir, '--json'])).stdout).slots[0];
    expect(again.recordsPending).toBe(2 * PER_BATCH);
    expect((await spillway(['wal', dir])).stdout).toContain(`held by running process ${child.pid}`);
  });
});
