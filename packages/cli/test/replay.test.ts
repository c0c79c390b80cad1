import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { readFrameTable, ZstdFileLogRecordExporter } from '@spillway/file-exporter';
import {
  OtlpGrpcLogsReceiver,
  SyntheticRecordGenerator,
  toReadableLogRecords,
} from '@spillway/testing';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, buildCli, ROOT } from './fixture';

// End to end: the built `spillway replay` in a child process, on files the real
// ZstdFileLogRecordExporter wrote, against the real OTLP/gRPC receiver of @spillway/testing and a
// small real OTLP/HTTP server, all on 127.0.0.1.

const PER_FILE = 2000;
const BATCHES_PER_FILE = 4;
// Two services writing at the same time: their files overlap, so time order interleaves them.
const RECORDS = toReadableLogRecords(
  new SyntheticRecordGenerator({ seed: 11, intervalMicros: 1_000 }).take(2 * PER_FILE),
  'shop',
);
const cartResource = toReadableLogRecords(
  new SyntheticRecordGenerator({ seed: 1 }).take(1),
  'cart',
)[0]!.resource;
let root = '';
let dir = '';

async function writeFiles(): Promise<void> {
  for (const [n, service] of ['shop', 'cart'].entries()) {
    const exporter = new ZstdFileLogRecordExporter({ directory: dir, serviceName: service });
    const mine = RECORDS.filter((_, i) => i % 2 === n).map((r) => ({
      ...r,
      resource: service === 'shop' ? r.resource : cartResource,
    }));
    const per = mine.length / BATCHES_PER_FILE;
    for (let b = 0; b < BATCHES_PER_FILE; b++) {
      await new Promise((res) => exporter.export(mine.slice(b * per, (b + 1) * per), res));
      await exporter.forceFlush();
    }
    await exporter.shutdown();
  }
}

beforeAll(async () => {
  buildCli();
  root = mkdtempSync(join(tmpdir(), 'spillway-replay-'));
  dir = join(root, 'files');
  mkdirSync(dir);
  await writeFiles();
}, 300_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

/**
 * A receiver of the test's own, stopped when the test ends: the tests run side by side
 * (`describe.concurrent`), each replay's records must reach only its own test's receiver.
 */
async function startReceiver(
  onTestFinished: (stop: () => Promise<void>) => void,
): Promise<OtlpGrpcLogsReceiver> {
  const receiver = await new OtlpGrpcLogsReceiver().start();
  onTestFinished(() => receiver.stop());
  return receiver;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function start(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [BIN, 'replay', ...args], {
    env: { ...process.env, SPILLWAY_PROGRESS: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function finish(child: ChildProcess): Promise<Run> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => {
    stdout += d;
  });
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

/** Runs `spillway replay <args>` asynchronously: the receivers live in this process. */
function replay(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return finish(start(args, env));
}

/** The time of record `i` as ISO-8601 (ms precision: the records are 1 ms apart). */
const iso = (i: number) =>
  new Date(RECORDS[i]!.hrTime[0] * 1000 + RECORDS[i]!.hrTime[1] / 1e6).toISOString();
const ids = (rs: Array<{ attributes: Record<string, unknown> }>) =>
  rs.map((r) => Number(r.attributes['test.id']));
const allIds = () => ids(RECORDS).sort((a, b) => a - b);

describe.concurrent('spillway replay', () => {
  it('should print help with examples and exit codes', async ({ expect }) => {
    const r = await finish(
      spawn(process.execPath, [BIN, 'replay', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] }),
    );
    expect(r.code).toBe(0);
    for (const text of ['Usage: spillway replay', 'Examples:', '--checkpoint', 'Exit codes'])
      expect(r.stdout).toContain(text);
  });

  it('should send every record exactly once, in time order across files, over gRPC', async ({
    expect,
    onTestFinished,
  }) => {
    const receiver = await startReceiver(onTestFinished);
    const r = await replay([dir, '--endpoint', receiver.url, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({
      protocol: 'grpc',
      files: 2,
      sent: RECORDS.length,
      rejected: { records: 0, reason: null },
      skippedDamage: { problems: 0, records: 0 },
    });
    expect(ids(receiver.records).sort((a, b) => a - b)).toEqual(allIds());
    // A request groups its records by resource (OTLP's shape), so time order shows per service
    // within requests, and across requests: one record per request is the global order.
    const byTime = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);
    for (const service of ['shop', 'cart']) {
      const times = receiver.records
        .filter((x) => x.resource['service.name'] === service)
        .map((x) => x.timeUnixNano);
      expect(times).toHaveLength(PER_FILE);
      expect(times).toEqual([...times].sort(byTime));
    }
    console.log(
      `replay over gRPC: ${summary.recordsPerSecond} records/s (${RECORDS.length} records)`,
    );
    receiver.clear();
    const window = ['--since', iso(100), '--until', iso(139), '--batch-size', '1'];
    expect((await replay([dir, '--endpoint', receiver.url, ...window])).code).toBe(0);
    expect(ids(receiver.records)).toEqual(ids(RECORDS.slice(100, 140)));
    expect(new Set(receiver.records.map((x) => x.resource['service.name']))).toEqual(
      new Set(['shop', 'cart']),
    );
  });

  it('should draw progress with records/s and an ETA on stderr when asked (SPILLWAY_PROGRESS=1)', async ({
    expect,
    onTestFinished,
  }) => {
    const receiver = await startReceiver(onTestFinished);
    const r = await replay([dir, '--endpoint', receiver.url, '--batch-size', '100'], {
      SPILLWAY_PROGRESS: '1',
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/spillway .*% \| [\d.]+\/[\d.]+ MiB \| \d+ records\/s \| ETA /);
    expect(receiver.records).toHaveLength(RECORDS.length);
  });

  it('should send only the records the filters select', async ({ expect, onTestFinished }) => {
    const receiver = await startReceiver(onTestFinished);
    const t = (i: number) =>
      new Date(Number(RECORDS[i]!.hrTime[0]) * 1000 + RECORDS[i]!.hrTime[1] / 1e6);
    const since = t(1000).toISOString();
    const until = t(3000).toISOString();
    const r = await replay([
      dir,
      '--endpoint',
      receiver.url,
      '--since',
      since,
      '--until',
      until,
      '--min-severity',
      'warn',
    ]);
    expect(r.code).toBe(0);
    const ms = (x: (typeof RECORDS)[number]) => x.hrTime[0] * 1000 + x.hrTime[1] / 1e6;
    const expected = RECORDS.filter(
      (x) =>
        ms(x) >= Date.parse(since) &&
        ms(x) <= Date.parse(until) &&
        (x.severityNumber as number) >= 13,
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(ids(receiver.records).sort((a, b) => a - b)).toEqual(
      ids(expected).sort((a, b) => a - b),
    );
    expect(r.stdout).toContain(`sent ${expected.length} records from 2 files`);
  });

  it('should keep the filters of a checkpoint: other filters are bad usage, none reuse them', async ({
    expect,
    onTestFinished,
  }) => {
    const receiver = await startReceiver(onTestFinished);
    const checkpoint = join(root, 'filters.json');
    const args = [dir, '--endpoint', receiver.url, '--checkpoint', checkpoint];
    const first = await replay([...args, '--min-severity', 'error', '--json']);
    expect(first.code).toBe(0);
    const errors = RECORDS.filter((x) => (x.severityNumber as number) >= 17).length;
    expect(JSON.parse(first.stdout).sent).toBe(errors);
    const other = await replay([...args, '--min-severity', 'warn']);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('was written with other filters');
    const again = JSON.parse((await replay([...args, '--json'])).stdout);
    expect(again).toMatchObject({ sent: 0, alreadySent: errors });
    expect(receiver.records).toHaveLength(errors);
  });

  it('should resume from its checkpoint after SIGKILL: nothing lost, duplicates within one batch', async ({
    expect,
    onTestFinished,
  }) => {
    const receiver = await startReceiver(onTestFinished);
    receiver.latencyMs = 5;
    const checkpoint = join(root, 'kill.json');
    const args = [
      dir,
      '--endpoint',
      receiver.url,
      '--batch-size',
      '100',
      '--checkpoint',
      checkpoint,
    ];
    const child = start(args);
    const done = finish(child);
    await receiver.waitForRecords(1000, 30_000);
    child.kill('SIGKILL');
    expect((await done).code).toBe(null);
    receiver.latencyMs = 0;
    const saved = JSON.parse(readFileSync(checkpoint, 'utf8'));
    const acked = Object.values(saved.files as Record<string, number>).reduce((a, b) => a + b, 0);
    const beforeRerun = receiver.records.length;
    expect(acked).toBeGreaterThanOrEqual(1000 - 100);
    expect(acked).toBeLessThanOrEqual(beforeRerun);
    const r = await replay([...args, '--json']);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.alreadySent).toBe(acked);
    expect(summary.sent).toBe(RECORDS.length - acked);
    // Every record arrived; the only repeats are the batch the collector had received when the
    // process died but whose acknowledgement it never recorded.
    const got = ids(receiver.records);
    expect([...new Set(got)].sort((a, b) => a - b)).toEqual(allIds());
    const duplicates = got.length - RECORDS.length;
    expect(duplicates).toBe(beforeRerun - acked);
    expect(duplicates).toBeLessThanOrEqual(100);
    // A third run has nothing left to send.
    const again = await replay([...args, '--json']);
    expect(JSON.parse(again.stdout).sent).toBe(0);
  }, 120_000);

  it('should stop at a batch the collector rejects: exit 1, reason in the summary', async ({
    expect,
    onTestFinished,
  }) => {
    const receiver = await startReceiver(onTestFinished);
    // INVALID_ARGUMENT is not retried by the exporter: one call, one rejection.
    receiver.failNext(1, status.INVALID_ARGUMENT, 'bad logs');
    const r = await replay([dir, '--endpoint', receiver.url, '--batch-size', '300']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('sent 0 records');
    expect(r.stdout).toMatch(/rejected 300 records: .*bad logs/);
  });

  it('should skip a damaged frame, count it, name it on stderr and exit 3', async ({
    expect,
    onTestFinished,
  }) => {
    const receiver = await startReceiver(onTestFinished);
    const copy = join(root, 'damaged');
    cpSync(dir, copy, { recursive: true });
    const file = join(copy, readdirSync(copy).find((n) => n.endsWith('.zst'))!);
    const table = await readFrameTable(file);
    const hit = table.frames[1]!;
    const b = readFileSync(file);
    b[hit.offset + hit.length - 5] = b[hit.offset + hit.length - 5]! ^ 0xff;
    writeFileSync(file, b);
    const r = await replay([copy, '--endpoint', receiver.url, '--json']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`${file} at offset ${hit.offset}`);
    const summary = JSON.parse(r.stdout);
    expect(summary.skippedDamage).toEqual({
      problems: 1,
      records: hit.records,
      recordsUnknown: false,
    });
    expect(summary.sent).toBe(RECORDS.length - hit.records);
    expect(receiver.records).toHaveLength(RECORDS.length - hit.records);
  });

  it('should exit 2 on a bad endpoint and 4 on a folder without files', async ({
    expect,
    onTestFinished,
  }) => {
    const receiver = await startReceiver(onTestFinished);
    const bad = await replay([dir, '--endpoint', 'notaurl']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--endpoint="notaurl" is not a URL');
    const empty = mkdtempSync(join(root, 'empty-'));
    expect((await replay([empty, '--endpoint', receiver.url])).code).toBe(4);
  });
});

describe('spillway replay over OTLP/HTTP', () => {
  let server: Server;
  let url = '';
  const seen: Array<{ path: string; type: string; tenant: string; records: number }> = [];
  let decodeRequest: (b: Buffer) => {
    resourceLogs?: Array<{ scopeLogs?: Array<{ logRecords?: unknown[] }> }>;
  };

  beforeAll(async () => {
    const proto = await protobuf.load(
      join(ROOT, 'packages', 'testing', 'proto', 'logs_service.proto'),
    );
    const type = proto.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest');
    decodeRequest = (b) => type.toObject(type.decode(b)) as ReturnType<typeof decodeRequest>;
    server = createServer(async (req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = Buffer.concat(chunks);
      const json = req.headers['content-type'] === 'application/json';
      const data = json ? JSON.parse(body.toString('utf8')) : decodeRequest(body);
      let records = 0;
      for (const rl of data.resourceLogs ?? [])
        for (const sl of rl.scopeLogs ?? []) records += (sl.logRecords ?? []).length;
      seen.push({
        path: req.url ?? '',
        type: String(req.headers['content-type']),
        tenant: String(req.headers['x-tenant']),
        records,
      });
      res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/json' });
      res.end(json ? '{}' : '');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => server.close());

  for (const protocol of ['http/protobuf', 'http/json']) {
    it(`should send every record as ${protocol} to <endpoint>/v1/logs, with --header`, async () => {
      seen.length = 0;
      const r = await replay(
        [dir, '--endpoint', url, '--header', 'x-tenant=blue', '--batch-size', '1000'],
        { OTEL_EXPORTER_OTLP_PROTOCOL: protocol },
      );
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(seen.reduce((n, s) => n + s.records, 0)).toBe(RECORDS.length);
      expect(seen).toHaveLength(RECORDS.length / 1000);
      const type = protocol === 'http/json' ? 'application/json' : 'application/x-protobuf';
      expect(new Set(seen.map((s) => `${s.path} ${s.type} ${s.tenant}`))).toEqual(
        new Set([`/v1/logs ${type} blue`]),
      );
    });
  }
});
