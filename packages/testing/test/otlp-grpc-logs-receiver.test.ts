import { status } from '@grpc/grpc-js';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  LoggerProvider,
  type ReadableLogRecord,
  SimpleLogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import { afterEach, describe, expect, it } from 'vitest';
import { OtlpGrpcLogsReceiver } from '../src/otlp-grpc-logs-receiver';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(countOnly = false) {
  const receiver = await new OtlpGrpcLogsReceiver({ countOnly }).start();
  const exporter = new OTLPLogExporter({ url: receiver.url, timeoutMillis: 5000 });
  cleanups.push(
    () => receiver.stop(),
    () => exporter.shutdown(),
  );
  return { receiver, exporter };
}

function exportOnce(
  exporter: OTLPLogExporter,
  records: ReadableLogRecord[],
): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(records, resolve));
}

function oneRecord(body: string): ReadableLogRecord {
  const t: [number, number] = [1_700_000_000, 5];
  return {
    hrTime: t,
    hrTimeObserved: t,
    body,
    severityNumber: 9 as ReadableLogRecord['severityNumber'],
    severityText: 'INFO',
    attributes: {},
    droppedAttributesCount: 0,
    resource: resourceFromAttributes({ 'service.name': 'receiver-test' }),
    instrumentationScope: { name: 'scope' },
  };
}

describe('OtlpGrpcLogsReceiver', () => {
  describe('export through a real LoggerProvider and OTLPLogExporter', () => {
    it('should receive every field of every record', async () => {
      const { receiver, exporter } = await setup();
      const provider = new LoggerProvider({
        resource: resourceFromAttributes({ 'service.name': 'svc', 'host.count': 3 }),
        processors: [new SimpleLogRecordProcessor({ exporter })],
      });
      cleanups.push(() => provider.shutdown());
      const logger = provider.getLogger('my-scope', '1.2.3', {
        schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
      });
      const spanContext = {
        traceId: '0af7651916cd43dd8448eb211c80319c',
        spanId: 'b7ad6b7169203331',
        traceFlags: 1,
      };
      logger.emit({
        timestamp: 1_700_000_000_123,
        observedTimestamp: 1_700_000_000_456,
        severityNumber: 17,
        severityText: 'ERROR',
        eventName: 'order.failed',
        body: { nested: { list: [1, 'two', true, 2.5] }, bytes: new Uint8Array([1, 2, 255]) },
        attributes: {
          str: 'é ✓',
          int: 42,
          dbl: 0.25,
          bool: false,
          arr: ['a', 'b'],
        },
        context: trace.setSpanContext(ROOT_CONTEXT, spanContext),
      });
      logger.emit({ body: 'plain', severityNumber: 9 });
      await provider.forceFlush();
      await receiver.waitForRecords(2);

      const [r, plain] = receiver.records;
      expect(r).toBeDefined();
      expect(r!.resource).toMatchObject({ 'service.name': 'svc', 'host.count': 3 });
      expect(r!.scope.name).toBe('my-scope');
      expect(r!.scope.version).toBe('1.2.3');
      expect(r!.scope.schemaUrl).toBe('https://opentelemetry.io/schemas/1.26.0');
      expect(r!.timeUnixNano).toBe(1_700_000_000_123_000_000n);
      expect(r!.observedTimeUnixNano).toBe(1_700_000_000_456_000_000n);
      expect(r!.severityNumber).toBe(17);
      expect(r!.severityText).toBe('ERROR');
      expect(r!.eventName).toBe('order.failed');
      expect(r!.traceId).toBe(spanContext.traceId);
      expect(r!.spanId).toBe(spanContext.spanId);
      expect(r!.flags & 0xff).toBe(1);
      expect(r!.body).toEqual({
        nested: { list: [1, 'two', true, 2.5] },
        bytes: new Uint8Array([1, 2, 255]),
      });
      expect(r!.attributes).toEqual({
        str: 'é ✓',
        int: 42,
        dbl: 0.25,
        bool: false,
        arr: ['a', 'b'],
      });
      expect(plain!.body).toBe('plain');
      expect(plain!.traceId).toBe('');
      expect(receiver.requestCount).toBe(2);
      expect(receiver.bytesReceived).toBeGreaterThan(100);
    });
  });

  describe('countOnly', () => {
    it('should count every record of every call without keeping them, failed calls left out', async () => {
      const { receiver, exporter } = await setup(true);
      const batch = Array.from({ length: 250 }, (_, i) => oneRecord(`r${i}`));
      expect((await exportOnce(exporter, batch)).code).toBe(ExportResultCode.SUCCESS);
      receiver.failNext(1, status.UNAVAILABLE);
      expect((await exportOnce(exporter, batch.slice(0, 7))).code).toBe(ExportResultCode.FAILED);
      expect((await exportOnce(exporter, batch.slice(0, 40))).code).toBe(ExportResultCode.SUCCESS);
      await receiver.waitForRecords(290);
      expect(receiver.recordCount).toBe(290);
      expect(receiver.records).toHaveLength(0);
      expect(receiver.requestCount).toBe(3);
      receiver.clear();
      expect(receiver.recordCount).toBe(0);
    });

    it('should refuse bytes that are not a request, and serve the next call', async () => {
      const receiver = await new OtlpGrpcLogsReceiver({ countOnly: true }).start();
      cleanups.push(() => receiver.stop());
      const { Client, credentials } = await import('@grpc/grpc-js');
      const client = new Client(`127.0.0.1:${receiver.port}`, credentials.createInsecure());
      cleanups.push(async () => client.close());
      const call = (bytes: Buffer) =>
        new Promise<number>((resolve) =>
          client.makeUnaryRequest(
            '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
            (b: Buffer) => b,
            (b: Buffer) => b,
            bytes,
            (err) => resolve(err?.code ?? status.OK),
          ),
        );
      // A length-delimited field 1 claiming 100 bytes, holding 2.
      expect(await call(Buffer.from([0x0a, 100, 1, 2]))).not.toBe(status.OK);
      expect(await call(Buffer.alloc(0))).toBe(status.OK);
      expect(receiver.recordCount).toBe(0);
    });
  });

  describe('failNext', () => {
    it('should surface an injected UNAVAILABLE as a FAILED export result', async () => {
      const { receiver, exporter } = await setup();
      receiver.failNext(1, status.UNAVAILABLE);
      const failed = await exportOnce(exporter, [oneRecord('first')]);
      expect(failed.code).toBe(ExportResultCode.FAILED);
      expect(String(failed.error)).toMatch(/UNAVAILABLE|injected/);
      expect(receiver.records).toHaveLength(0);
      expect(receiver.rejectedCount).toBe(1);

      const ok = await exportOnce(exporter, [oneRecord('second')]);
      expect(ok.code).toBe(ExportResultCode.SUCCESS);
      expect(receiver.records.map((r) => r.body)).toEqual(['second']);
    });

    it('should answer with each status given, in order', async () => {
      const { receiver, exporter } = await setup();
      receiver.failNext(1, status.INVALID_ARGUMENT);
      receiver.failNext(2, status.RESOURCE_EXHAUSTED);
      const results: number[] = [];
      for (let i = 0; i < 4; i++)
        results.push((await exportOnce(exporter, [oneRecord(`r${i}`)])).code);
      expect(results).toEqual([1, 1, 1, 0]);
      expect(receiver.records.map((r) => r.body)).toEqual(['r3']);
      expect(receiver.requestCount).toBe(4);
    });
  });

  describe('latencyMs', () => {
    it('should make an export slower than its timeout fail', async () => {
      const receiver = await new OtlpGrpcLogsReceiver().start();
      const exporter = new OTLPLogExporter({ url: receiver.url, timeoutMillis: 200 });
      cleanups.push(
        () => receiver.stop(),
        () => exporter.shutdown(),
      );
      receiver.latencyMs = 1000;
      const result = await exportOnce(exporter, [oneRecord('slow')]);
      expect(result.code).toBe(ExportResultCode.FAILED);
    });
  });

  describe('restart', () => {
    it('should serve again on the same port', async () => {
      const { receiver, exporter } = await setup();
      expect((await exportOnce(exporter, [oneRecord('before')])).code).toBe(0);
      const port = receiver.port;
      await receiver.stop();
      expect((await exportOnce(exporter, [oneRecord('while down')])).code).toBe(1);
      await receiver.start();
      expect(receiver.port).toBe(port);
      // The client reconnects with its own backoff; each attempt is a real export call.
      const deadline = Date.now() + 20_000;
      let code = 1;
      while (code !== 0 && Date.now() < deadline) {
        code = (await exportOnce(exporter, [oneRecord('after')])).code;
        if (code !== 0) await new Promise((r) => setTimeout(r, 100));
      }
      expect(code).toBe(0);
      expect(receiver.records.map((r) => r.body)).toEqual(['before', 'after']);
    });
  });

  describe('waitFor', () => {
    it('should reject with a message naming the condition on timeout', async () => {
      const { receiver } = await setup();
      await expect(receiver.waitForRecords(1, 50)).rejects.toThrow(/1 records not met/);
    });
  });
});
