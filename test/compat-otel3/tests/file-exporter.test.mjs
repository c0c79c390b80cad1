// @spillway/file-exporter and the `spillway` CLI on the OTel 3.x line (Node 24: the node:zlib zstd
// codec): a 3.x LoggerProvider writes through ZstdFileLogRecordExporter, the reader API replays
// the files into the 3.x OTLP gRPC exporter, and the packed bin verifies and cats them.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import {
  createReadStats,
  listCompressedFiles,
  readLogRecordBatches,
  readLogRecords,
  verifyCompressedFile,
  ZstdFileLogRecordExporter,
  zstdCompress,
  zstdDecompress,
  zstdImplementation,
} from '@spillway/file-exporter';
import { OtlpGrpcLogsReceiver } from '@spillway/testing';

const receiver = await new OtlpGrpcLogsReceiver().start();
const dir = mkdtempSync(join(tmpdir(), 'compat-file-exporter-'));
after(async () => {
  await receiver.stop();
  rmSync(dir, { recursive: true, force: true });
});

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const N = 2000;

test('node:zlib zstd is used on Node >= 22.15, with levels', async () => {
  assert.equal(zstdImplementation(), 'node:zlib');
  const input = Buffer.from(
    Array.from({ length: 20_000 }, (_, i) => `line ${i % 977} ${i}\n`).join(''),
  );
  const [fast, strong] = [await zstdCompress(input, 1), await zstdCompress(input, 19)];
  assert.notEqual(fast.length, strong.length);
  assert.deepEqual(await zstdDecompress(strong), input);
});

test('a 3.x LoggerProvider writes through ZstdFileLogRecordExporter; every record reads back', async () => {
  const exporter = new ZstdFileLogRecordExporter({ directory: dir, minFreeBytes: 0 });
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'compat-files' }),
    processors: [new BatchLogRecordProcessor({ exporter, maxQueueSize: N })],
  });
  const logger = provider.getLogger('compat', '3.0.0');
  for (let i = 0; i < N; i++) {
    logger.emit({
      timestamp: Date.UTC(2026, 0, 1) + i,
      severityNumber: i % 100 === 0 ? 17 : 9,
      severityText: i % 100 === 0 ? 'ERROR' : 'INFO',
      body: `record ${i}`,
      attributes: { 'test.id': i, ok: true, ratio: 0.5 },
    });
  }
  await provider.shutdown();
  assert.equal(exporter.getStats().recordsWritten, N);
  const [file] = await listCompressedFiles(dir);
  assert.match(file.name, /^compat-files-\d{8}-\d{6}\.zst$/);
  assert.equal((await verifyCompressedFile(file.path)).ok, true);

  const stats = createReadStats();
  const back = [];
  for await (const r of readLogRecords(dir, { stats, minSeverity: 17 })) back.push(r);
  assert.equal(back.length, N / 100);
  assert.deepEqual(back[1].attributes, { 'test.id': 100, ok: true, ratio: 0.5 });
  assert.equal(back[1].severityText, 'ERROR');
  assert.equal(back[1].body, 'record 100');
  assert.equal(back[1].resource.attributes['service.name'], 'compat-files');
  assert.equal(back[1].instrumentationScope.name, 'compat');
  assert.deepEqual(stats.problems, []);
});

test('records read from the files replay into the 3.x OTLP gRPC exporter', async () => {
  const otlp = new OTLPLogExporter({ url: receiver.url, timeoutMillis: 5000 });
  for await (const batch of readLogRecordBatches(dir)) {
    const result = await new Promise((resolve) => otlp.export(batch, resolve));
    assert.equal(result.code, 0, String(result.error));
  }
  await receiver.waitForRecords(N, 10_000);
  const first = receiver.records.find((r) => r.attributes['test.id'] === 0);
  assert.equal(first.body, 'record 0');
  assert.equal(first.severityNumber, 17);
  assert.equal(first.timeUnixNano, BigInt(Date.UTC(2026, 0, 1)) * 1_000_000n);
  assert.equal(first.resource['service.name'], 'compat-files');
  await otlp.shutdown();
});

test('the packed spillway bin verifies and cats the files', () => {
  const require = createRequire(import.meta.url);
  const bin = join(dirname(require.resolve('@spillway/cli/package.json')), 'dist', 'bin.mjs');
  const verify = spawnSync(process.execPath, [bin, 'verify', dir], { encoding: 'utf8' });
  assert.equal(verify.status, 0, verify.stderr);
  assert.match(verify.stdout, /1 file verified, no problem/);
  const out = execFileSync(process.execPath, [bin, 'cat', '--trace-id', TRACE, dir], {
    encoding: 'utf8',
  });
  assert.equal(out, '');
  const errors = execFileSync(
    process.execPath,
    [bin, 'cat', '--min-severity', 'error', '--format', 'otlp-json', dir],
    {
      encoding: 'utf8',
    },
  );
  const n = errors
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l).resourceLogs[0].scopeLogs[0].logRecords.length)
    .reduce((a, b) => a + b, 0);
  assert.equal(n, N / 100);
});
