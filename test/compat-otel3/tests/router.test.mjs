// @spillway/router on the OTel 3.x line: the 3.x OTLP gRPC exporter behind FailoverLogRecordExporter
// (its real errors classified, circuit, fallback to zstd files, replay once the receiver is back)
// and SeverityRoutingLogRecordExporter behind a 3.x LoggerProvider.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchLogRecordProcessor,
  InMemoryLogRecordExporter,
  LoggerProvider,
} from '@opentelemetry/sdk-logs';
import { ZstdFileLogRecordExporter } from '@spillway/file-exporter';
import {
  classifyExportError,
  FailoverLogRecordExporter,
  PrettyLogRecordExporter,
  SeverityRoutingLogRecordExporter,
} from '@spillway/router';
import { OtlpGrpcLogsReceiver } from '@spillway/testing';

const receiver = await new OtlpGrpcLogsReceiver().start();
const dir = mkdtempSync(join(tmpdir(), 'compat-router-'));
after(async () => {
  await receiver.stop();
  rmSync(dir, { recursive: true, force: true });
});

const resource = resourceFromAttributes({ 'service.name': 'compat-router' });
const scope = { name: 'compat' };
let nextId = 0;
function records(n, severityNumber = 9) {
  return Array.from({ length: n }, () => {
    const id = nextId++;
    return {
      hrTime: [1_767_225_600, id * 1000],
      hrTimeObserved: [1_767_225_600, id * 1000],
      severityNumber,
      severityText: '',
      body: `record ${id}`,
      attributes: { 'test.id': id },
      droppedAttributesCount: 0,
      resource,
      instrumentationScope: scope,
    };
  });
}
const exportBatch = (exporter, batch) => new Promise((resolve) => exporter.export(batch, resolve));
const receivedIds = () => receiver.records.map((r) => r.attributes['test.id']);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('the 3.x exporter errors are classified: UNAVAILABLE trips the circuit, INVALID_ARGUMENT does not', async () => {
  const otlp = new OTLPLogExporter({ url: receiver.url, timeoutMillis: 2000 });
  receiver.failNext(1, status.INVALID_ARGUMENT);
  const bad = await exportBatch(otlp, records(1));
  assert.equal(classifyExportError(bad.error), 'batch');
  receiver.failNext(1, status.UNAVAILABLE);
  const down = await exportBatch(otlp, records(1));
  assert.equal(classifyExportError(down.error), 'transient');

  const fallback = new InMemoryLogRecordExporter();
  const failover = new FailoverLogRecordExporter({
    exporters: [otlp, fallback],
    names: ['otlp', 'memory'],
  });
  receiver.failNext(4, status.INVALID_ARGUMENT);
  for (let i = 0; i < 4; i++) assert.equal((await exportBatch(failover, records(2))).code, 0);
  assert.equal(failover.getStats().targets[0].state, 'closed');
  assert.equal(failover.getStats().targets[0].batchesRejected, 4);
  receiver.failNext(3, status.UNAVAILABLE);
  for (let i = 0; i < 3; i++) assert.equal((await exportBatch(failover, records(2))).code, 0);
  assert.equal(failover.getStats().targets[0].state, 'open');
  assert.equal(fallback.getFinishedLogRecords().length, 14);
  await failover.shutdown();
  receiver.clear();
});

test('outage to zstd files, circuit closes when the receiver is back, replay delivers every record once', async () => {
  const first = nextId;
  const otlp = new OTLPLogExporter({ url: receiver.url, timeoutMillis: 2000 });
  const zstd = new ZstdFileLogRecordExporter({ directory: dir });
  const failover = new FailoverLogRecordExporter({
    exporters: [otlp, zstd],
    retryIntervalMillis: 200,
    replay: { settleMillis: 100, ratePerSecond: 50_000, batchSize: 20 },
  });
  const provider = new LoggerProvider({
    resource,
    processors: [new BatchLogRecordProcessor({ exporter: failover, scheduledDelayMillis: 20 })],
  });
  const logger = provider.getLogger('compat');
  await receiver.stop();
  for (let i = 0; i < 100; i++)
    logger.emit({ body: `outage ${i}`, severityNumber: 9, attributes: { 'test.id': nextId++ } });
  await provider.forceFlush();
  await failover.forceFlush();
  assert.ok(
    readdirSync(dir).some((n) => n.endsWith('.zst')),
    'outage records are in zstd files',
  );
  await receiver.start();
  for (let i = 0; i < 40 && failover.getStats().targets[0].state !== 'closed'; i++) {
    logger.emit({ body: 'probe', severityNumber: 9, attributes: { 'test.id': nextId++ } });
    await provider.forceFlush();
    await failover.forceFlush();
    if (failover.getStats().targets[0].state !== 'closed') await sleep(250);
  }
  assert.equal(failover.getStats().targets[0].state, 'closed');
  const want = nextId - first;
  await receiver.waitFor(
    () => new Set(receivedIds()).size >= want,
    20_000,
    `${want} distinct records`,
  );
  const deadline = Date.now() + 10_000;
  while (failover.getStats().replay.filesPending > 0 && Date.now() < deadline) await sleep(50);
  const ids = receivedIds();
  assert.equal(ids.length, want, 'each record exactly once');
  assert.equal(new Set(ids).size, want);
  assert.deepEqual(
    readdirSync(dir).filter((n) => n.endsWith('.zst')),
    [],
    'replayed files deleted',
  );
  await provider.shutdown();
  receiver.clear();
});

test('severity routes fan out behind a 3.x LoggerProvider', async () => {
  const otlp = new OTLPLogExporter({ url: receiver.url, timeoutMillis: 2000 });
  const failover = new FailoverLogRecordExporter({
    exporters: [otlp, new InMemoryLogRecordExporter()],
  });
  const stderr = new PassThrough();
  let text = '';
  stderr.on('data', (c) => {
    text += c.toString();
  });
  const router = new SeverityRoutingLogRecordExporter({
    routes: [
      { minSeverity: 'error', targets: [failover] },
      {
        maxSeverity: 'debug',
        targets: [new PrettyLogRecordExporter({ stream: stderr })],
        optional: true,
      },
    ],
  });
  const provider = new LoggerProvider({
    resource,
    processors: [new BatchLogRecordProcessor({ exporter: router })],
  });
  const logger = provider.getLogger('compat');
  logger.emit({ body: 'boom', severityNumber: 17, attributes: { 'test.id': 1 } });
  logger.emit({ body: 'detail', severityNumber: 5, attributes: { 'test.id': 2 } });
  logger.emit({ body: 'chatter', severityNumber: 9, attributes: { 'test.id': 3 } });
  await provider.forceFlush();
  await receiver.waitForRecords(1);
  assert.deepEqual(receivedIds(), [1]);
  assert.match(text, /DEBUG compat-router detail test\.id=2\n$/);
  assert.equal(router.getStats().dropped.unrouted.total, 1);
  await provider.shutdown();
});
