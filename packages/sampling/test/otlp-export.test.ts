import {
  context as otelContext,
  propagation,
  ROOT_CONTEXT,
  type SpanContext,
  trace,
} from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { globalLogsApi } from '@spillway/config';
import {
  probabilityToThreshold,
  SamplingLogRecordProcessor,
  traceIdRandomness,
} from '@spillway/sampling';
import { OtlpGrpcLogsReceiver, SyntheticRecordGenerator, toLogRecord } from '@spillway/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { SEV } from './helpers';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup() {
  const receiver = await new OtlpGrpcLogsReceiver().start();
  cleanups.push(() => receiver.stop());
  return { receiver, exporter: new OTLPLogExporter({ url: receiver.url, timeoutMillis: 10_000 }) };
}

const keptAt = (sc: SpanContext | undefined, p: number): boolean =>
  sc !== undefined && traceIdRandomness(sc.traceId)! >= probabilityToThreshold(p);

describe('SamplingLogRecordProcessor', () => {
  describe('in a LoggerProvider with the OTLP gRPC exporter', () => {
    it('should deliver exactly what the policy keeps from generated records', async () => {
      const { receiver, exporter } = await setup();
      const ratios = { trace: 0.1, debug: 0.1, info: 0.1, warn: 0.5, error: 1 };
      const processor = new SamplingLogRecordProcessor({
        exporter,
        ratios,
        noTraceContext: 'drop',
        traceSilenceAfter: 0,
      });
      const provider = new LoggerProvider({
        resource: resourceFromAttributes({ 'service.name': 'generated-svc' }),
        processors: [processor],
      });
      cleanups.push(() => provider.shutdown());
      const logger = provider.getLogger('generated');
      const generated = new SyntheticRecordGenerator({ seed: 7, noTraceContextShare: 0.1 }).take(
        5000,
      );
      const expected = new Set<number>();
      const classOf = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
      for (const g of generated) {
        const cls = classOf[(g.severityNumber - 1) >> 2]!;
        if (cls === 'fatal' || keptAt(g.spanContext, ratios[cls])) expected.add(g.id);
        logger.emit(toLogRecord(g) as Parameters<typeof logger.emit>[0]);
      }
      await provider.forceFlush();
      const stats = processor.getStats();
      await receiver.waitForRecords(expected.size);
      const received = receiver.records.map((r) => r.attributes['test.id'] as number);
      expect(new Set(received)).toEqual(expected);
      expect(stats.exported.total).toBe(expected.size);
      expect(stats.offered.total).toBe(5000);
      const sampledInfo = receiver.records.find(
        (r) => r.severityNumber >= 9 && r.severityNumber <= 12,
      )!;
      expect(sampledInfo.attributes['sampling.threshold']).toBe('e666');
      expect(sampledInfo.traceId).toMatch(/^[0-9a-f]{32}$/);
    });

    it('should deliver the silencing summary in the trace context', async () => {
      const { receiver, exporter } = await setup();
      const processor = new SamplingLogRecordProcessor({
        exporter,
        ratios: { info: 1 },
        traceSilenceAfter: 2,
      });
      const provider = new LoggerProvider({ processors: [processor] });
      const logger = provider.getLogger('chatty');
      const sc: SpanContext = {
        traceId: 'aaaabbbbccccddddeeeeffff00001111',
        spanId: '0123456789abcdef',
        traceFlags: 1,
      };
      const context = trace.setSpanContext(ROOT_CONTEXT, sc);
      for (let i = 0; i < 10; i++)
        logger.emit({ severityNumber: SEV.info, body: `r${i}`, context });
      await provider.shutdown();
      await receiver.waitForRecords(3);
      const summary = receiver.records.find((r) => r.eventName === 'spillway.sampling.silenced')!;
      expect(summary.body).toBe('silenced 8 records');
      expect(summary.traceId).toBe(sc.traceId);
      expect(summary.attributes['spillway.silenced.info']).toBe(8);
    });
  });

  describe('in NodeSDK({ logRecordProcessors })', () => {
    it('should sample logs written inside real spans by their trace', async () => {
      const { receiver, exporter } = await setup();
      const processor = new SamplingLogRecordProcessor({
        exporter,
        ratios: { info: 0.25 },
        rateLimits: { error: 0 },
        traceSilenceAfter: 0,
      });
      const sdk = new NodeSDK({
        serviceName: 'nodesdk-svc',
        autoDetectResources: false,
        instrumentations: [],
        traceExporter: {
          export: (_spans, done) => done({ code: ExportResultCode.SUCCESS }),
          shutdown: async () => {},
        },
        logRecordProcessors: [processor],
      });
      sdk.start();
      const logs = globalLogsApi();
      if (!logs) throw new Error('no logs API: neither @opentelemetry/api 1.10 nor api-logs');
      cleanups.push(async () => {
        logs.disable();
        trace.disable();
        otelContext.disable();
        propagation.disable();
      });
      const tracer = trace.getTracer('t');
      const logger = logs.getLogger('app');
      const traceIds: string[] = [];
      for (let t = 0; t < 200; t++) {
        tracer.startActiveSpan(`op${t}`, (span) => {
          traceIds.push(span.spanContext().traceId);
          for (let i = 0; i < 3; i++) logger.emit({ severityNumber: SEV.info, body: `info${i}` });
          logger.emit({ severityNumber: SEV.error, body: 'error' });
          span.end();
        });
      }
      await sdk.shutdown();
      const keptTraces = traceIds.filter((id) => keptAt({ traceId: id } as SpanContext, 0.25));
      await receiver.waitForRecords(200 + keptTraces.length * 3);
      const infos = receiver.records.filter((r) => r.severityNumber === SEV.info);
      const perTrace = new Map<string, number>();
      for (const r of infos) perTrace.set(r.traceId, (perTrace.get(r.traceId) ?? 0) + 1);
      expect([...perTrace.keys()].sort()).toEqual([...keptTraces].sort());
      expect([...perTrace.values()].every((n) => n === 3)).toBe(true);
      expect(receiver.records.filter((r) => r.severityNumber === SEV.error)).toHaveLength(200);
      expect(receiver.records[0]!.resource['service.name']).toBe('nodesdk-svc');
    });
  });
});
