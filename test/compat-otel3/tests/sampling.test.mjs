// @spillway/sampling on the OTel 3.x line: SamplingLogRecordProcessor in a 3.x LoggerProvider (whose
// Logger.emit asks processors' enabled() first), exporting through the 3.x OTLP gRPC exporter to
// the test receiver: trace-consistent decisions, the threshold attribute, silencing summaries,
// severity-aware queueing and the FATAL exportSync hand-over.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import {
  probabilityToThreshold,
  SamplingLogRecordProcessor,
  thresholdToHex,
  traceIdRandomness,
} from '@spillway/sampling';
import { OtlpGrpcLogsReceiver } from '@spillway/testing';

const receiver = await new OtlpGrpcLogsReceiver().start();
after(() => receiver.stop());

const INFO = 9;
const ERROR = 17;
const FATAL = 21;
const resource = resourceFromAttributes({ 'service.name': 'compat-sampling' });

let seed = 99;
function hex(bytes) {
  let s = '';
  while (s.length < bytes * 2) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    s += seed.toString(16).padStart(8, '0');
  }
  return s.slice(0, bytes * 2);
}
const spanContext = () => ({ traceId: hex(16), spanId: hex(8), traceFlags: 1 });
const contextOf = (sc) => trace.setSpanContext(ROOT_CONTEXT, sc);

function setup(options) {
  const exporter = new OTLPLogExporter({ url: receiver.url, timeoutMillis: 10_000 });
  const processor = new SamplingLogRecordProcessor({ exporter, ...options });
  const provider = new LoggerProvider({ resource, processors: [processor] });
  return { processor, provider, logger: provider.getLogger('compat') };
}

test('the threshold math reproduces the spec vectors', () => {
  const vectors = [
    [0.5, '8'],
    [0.25, 'c'],
    [0.1, 'e666'],
    [1 / 3, 'aaab'],
    [0.2, 'cccd'],
    [0.01, 'fd70a'],
    [0.001, 'ffbe77'],
    [0.0001, 'fff9724'],
  ];
  for (const [p, th] of vectors) assert.equal(thresholdToHex(probabilityToThreshold(p)), th);
});

test('a 3.x LoggerProvider delivers exactly the traces above the class threshold, over OTLP gRPC', async () => {
  receiver.clear();
  const { processor, provider, logger } = setup({
    ratios: { info: 0.25 },
    rateLimits: { error: 0 },
    traceSilenceAfter: 0,
  });
  const threshold = probabilityToThreshold(0.25);
  const kept = new Set();
  const traces = Array.from({ length: 400 }, spanContext);
  for (const sc of traces) {
    if (traceIdRandomness(sc.traceId) >= threshold) kept.add(sc.traceId);
    const context = contextOf(sc);
    // enabled() answers as emit will decide.
    assert.equal(logger.enabled({ severityNumber: INFO, context }), kept.has(sc.traceId));
    for (let i = 0; i < 3; i++) logger.emit({ severityNumber: INFO, body: `info ${i}`, context });
    logger.emit({ severityNumber: ERROR, body: 'error', context });
  }
  await provider.shutdown();
  await receiver.waitForRecords(400 + kept.size * 3);
  const infos = receiver.records.filter((r) => r.severityNumber === INFO);
  const perTrace = new Map();
  for (const r of infos) perTrace.set(r.traceId, (perTrace.get(r.traceId) ?? 0) + 1);
  assert.deepEqual([...perTrace.keys()].sort(), [...kept].sort());
  assert.ok([...perTrace.values()].every((n) => n === 3));
  assert.ok(infos.every((r) => r.attributes['sampling.threshold'] === 'c'));
  assert.equal(receiver.records.filter((r) => r.severityNumber === ERROR).length, 400);
  const stats = processor.getStats();
  // A refused enabled() counts as a record offered and dropped: the SDK's own emit asks the same way.
  assert.equal(stats.offered.total, 1600 + (400 - kept.size));
  assert.equal(stats.exported.total, 400 + kept.size * 3);
  assert.equal(stats.dropped.sampled.info, (400 - kept.size) * 4);
});

test('a silenced trace ends with one summary record in its context', async () => {
  receiver.clear();
  const { provider, logger } = setup({ ratios: { info: 1 }, traceSilenceAfter: 3 });
  const sc = spanContext();
  for (let i = 0; i < 10; i++)
    logger.emit({ severityNumber: INFO, body: `r${i}`, context: contextOf(sc) });
  await provider.shutdown();
  await receiver.waitForRecords(4);
  const summary = receiver.records.find((r) => r.eventName === 'spillway.sampling.silenced');
  assert.equal(summary.body, 'silenced 7 records');
  assert.equal(summary.traceId, sc.traceId);
  assert.equal(summary.attributes['spillway.silenced.info'], 7);
});

test('an INFO flood spills to exportSync instead of dropping, and FATAL goes out through exportSync at once', async () => {
  const exported = [];
  const synced = [];
  const exporter = {
    export(batch, done) {
      setTimeout(() => {
        exported.push(...batch);
        done({ code: ExportResultCode.SUCCESS });
      }, 5);
    },
    exportSync(batch) {
      synced.push(...batch);
    },
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  const processor = new SamplingLogRecordProcessor({
    exporter,
    ratios: { info: 1, error: 1 },
    rateLimits: { error: 0 },
    traceSilenceAfter: 0,
    maxQueueSize: 100,
    maxExportBatchSize: 50,
  });
  const provider = new LoggerProvider({ resource, processors: [processor] });
  const logger = provider.getLogger('flood');
  for (let i = 0; i < 5000; i++) {
    logger.emit({
      severityNumber: i % 100 === 0 ? ERROR : INFO,
      body: `${i}`,
      context: contextOf(spanContext()),
    });
  }
  logger.emit({ severityNumber: FATAL, body: 'dying' });
  assert.equal(synced.at(-1).body, 'dying');
  await provider.shutdown();
  const errors = [...exported, ...synced].filter((r) => r.severityNumber === ERROR);
  assert.equal(errors.length, 50);
  const stats = processor.getStats();
  // A full queue hands its oldest records to exportSync (overflow to the WAL): nothing is dropped.
  assert.equal(stats.dropped.queue_full.total, 0);
  assert.ok(stats.spilled.total > 4000);
  assert.equal(exported.length + synced.length, 5001);
  assert.equal(stats.kept.total, stats.exported.total);
});
