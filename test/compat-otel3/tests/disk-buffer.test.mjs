// @spillway/disk-buffer on the OTel 3.x line (Node 24): a 3.x LoggerProvider with the SDK's own
// BatchLogRecordProcessor exports through DiskBufferedLogRecordExporter into the 3.x OTLP gRPC
// exporter; records survive a collector outage and a restart, every field intact.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import {
  DirectoryLockedError,
  DiskBufferedLogRecordExporter,
  decodeLogRecordBatch,
  encodeLogRecordBatch,
} from '@spillway/disk-buffer';
import { OtlpGrpcLogsReceiver } from '@spillway/testing';

const receiver = await new OtlpGrpcLogsReceiver().start();
const root = mkdtempSync(join(tmpdir(), 'compat-disk-buffer-'));
after(async () => {
  await receiver.stop();
  rmSync(root, { recursive: true, force: true });
});

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';
const N = 2000;

function makeExporter(directory) {
  return new DiskBufferedLogRecordExporter({
    exporter: new OTLPLogExporter({ url: receiver.url, timeoutMillis: 2000 }),
    directory,
    fsync: 'always',
    retry: { initialMillis: 50, maxMillis: 500 },
    shutdownTimeoutMillis: 200,
  });
}

function emitAll(provider, from, n) {
  const logger = provider.getLogger('compat-disk-buffer', '3.0.0');
  const context = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: TRACE,
    spanId: SPAN,
    traceFlags: 1,
  });
  for (let i = from; i < from + n; i++) {
    logger.emit({
      timestamp: Date.UTC(2026, 0, 1) + i,
      severityNumber: i % 100 === 0 ? 17 : 9,
      severityText: i % 100 === 0 ? 'ERROR' : 'INFO',
      body: `record ${i}`,
      attributes: { 'test.id': i, ok: true, ratio: 0.5, list: ['a', 1] },
      context,
    });
  }
}

test('a 3.x LoggerProvider delivers through the disk buffer with every field intact', async () => {
  const exporter = makeExporter(join(root, 'a'));
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'compat-disk-buffer' }),
    processors: [new BatchLogRecordProcessor({ exporter, maxQueueSize: N })],
  });
  emitAll(provider, 0, N);
  await provider.forceFlush();
  await receiver.waitForRecords(N, 30_000);
  const r = receiver.records.find((x) => x.attributes['test.id'] === 100);
  assert.equal(r.body, 'record 100');
  assert.equal(r.severityNumber, 17);
  assert.equal(r.traceId, TRACE);
  assert.equal(r.spanId, SPAN);
  assert.deepEqual(r.attributes.list, ['a', 1]);
  assert.equal(r.resource['service.name'], 'compat-disk-buffer');
  assert.equal(r.scope.name, 'compat-disk-buffer');
  assert.equal(exporter.getStats().recordsDelivered, N);
  await provider.shutdown();
});

test('records survive a collector outage and a process restart', async () => {
  receiver.clear();
  const dir = join(root, 'b');
  await receiver.stop();
  const first = makeExporter(dir);
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'compat-disk-buffer' }),
    processors: [new BatchLogRecordProcessor({ exporter: first, maxQueueSize: N })],
  });
  emitAll(provider, 0, N);
  await provider.forceFlush();
  assert.equal(first.getStats().recordsPending, N);
  assert.throws(() => makeExporter(dir), DirectoryLockedError);
  await provider.shutdown();
  assert.ok(readdirSync(dir).some((f) => f.endsWith('.wal')));

  await receiver.start();
  const second = makeExporter(dir);
  await receiver.waitFor(
    () => new Set(receiver.records.map((x) => x.attributes['test.id'])).size === N,
    60_000,
    `all ${N} records after the restart`,
  );
  await second.forceFlush();
  assert.equal(second.getStats().recordsPending, 0);
  await second.shutdown();
});

test('the batch codec round-trips 3.x records, and the CommonJS build loads', () => {
  const require = createRequire(import.meta.url);
  const cjs = require('@spillway/disk-buffer');
  assert.equal(typeof cjs.DiskBufferedLogRecordExporter, 'function');
  const resource = resourceFromAttributes({ 'service.name': 'codec' });
  const records = [
    {
      hrTime: [1767225600, 5],
      hrTimeObserved: [1767225600, 6],
      severityNumber: 9,
      severityText: 'INFO',
      body: { nested: [1, 'x', new Uint8Array([1, 2])] },
      eventName: 'compat.event',
      attributes: { a: 1 },
      droppedAttributesCount: 2,
      resource,
      instrumentationScope: { name: 's', version: '1' },
      spanContext: { traceId: TRACE, spanId: SPAN, traceFlags: 1 },
    },
  ];
  const [back] = decodeLogRecordBatch(encodeLogRecordBatch(records));
  assert.deepEqual(back.body, records[0].body);
  assert.equal(back.eventName, 'compat.event');
  assert.equal(back.droppedAttributesCount, 2);
  assert.equal(back.spanContext.traceId, TRACE);
});
