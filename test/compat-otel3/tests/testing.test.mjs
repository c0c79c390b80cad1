// Smoke test of the test kit with the 3.x line: the 3.x OTLP gRPC exporter reaches the receiver,
// an injected UNAVAILABLE is a FAILED result, and a restart on the same port serves again.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { logs } from '@opentelemetry/api';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { OtlpGrpcLogsReceiver } from '@spillway/testing';

const receiver = await new OtlpGrpcLogsReceiver().start();
after(() => receiver.stop());

test('the 3.x OTLPLogExporter delivers through a 3.x LoggerProvider', async () => {
  assert.equal(typeof logs.getLogger, 'function', 'logs API lives in @opentelemetry/api 1.10');
  const exporter = new OTLPLogExporter({ url: receiver.url, timeoutMillis: 5000 });
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'compat' }),
    processors: [new SimpleLogRecordProcessor({ exporter })],
  });
  provider.getLogger('compat-scope').emit({ body: 'hello from 3.x', severityNumber: 17 });
  await provider.forceFlush();
  await receiver.waitForRecords(1);
  const [r] = receiver.records;
  assert.equal(r.body, 'hello from 3.x');
  assert.equal(r.severityNumber, 17);
  assert.equal(r.resource['service.name'], 'compat');
  assert.equal(r.scope.name, 'compat-scope');
  await provider.shutdown();
});

test('an injected UNAVAILABLE is a FAILED export result', async () => {
  const exporter = new OTLPLogExporter({ url: receiver.url, timeoutMillis: 5000 });
  receiver.failNext(1, status.UNAVAILABLE);
  const record = {
    hrTime: [1_700_000_000, 0],
    hrTimeObserved: [1_700_000_000, 0],
    body: 'x',
    attributes: {},
    droppedAttributesCount: 0,
    resource: resourceFromAttributes({}),
    instrumentationScope: { name: 's' },
  };
  const failed = await new Promise((resolve) => exporter.export([record], resolve));
  assert.equal(failed.code, 1);
  await receiver.stop();
  await receiver.start();
  let ok = { code: 1 };
  const deadline = Date.now() + 20_000;
  while (ok.code !== 0 && Date.now() < deadline) {
    ok = await new Promise((resolve) => exporter.export([record], resolve));
    if (ok.code !== 0) await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(ok.code, 0, 'served again after a restart on the same port');
  await exporter.shutdown();
});
