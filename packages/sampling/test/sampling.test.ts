import { ROOT_CONTEXT, type SpanContext, TraceFlags } from '@opentelemetry/api';
import { loggingErrorHandler, setGlobalErrorHandler, TraceState } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, type LogRecordProcessor } from '@opentelemetry/sdk-logs';
import {
  probabilityToThreshold,
  SamplingLogRecordProcessor,
  type SamplingLogRecordProcessorOptions,
  thresholdToHex,
  thresholdToProbability,
  traceIdRandomness,
} from '@spillway/sampling';
import { afterEach, describe, expect, it } from 'vitest';
import { CollectingExporter, contextWith, randomSpanContext, SEV, setupProvider } from './helpers';

const CLASSES = ['trace', 'debug', 'info', 'warn', 'error'] as const;
// Decisions only: no rate limits, no silencing, a queue that never overflows.
const PURE: Partial<SamplingLogRecordProcessorOptions> = {
  rateLimits: { warn: 0, error: 0 },
  traceSilenceAfter: 0,
  maxQueueSize: 1_000_000,
  maxExportBatchSize: 1_000_000,
  maxQueueBytes: 2 ** 40,
};

const providers: LoggerProvider[] = [];
afterEach(async () => {
  for (const p of providers.splice(0)) await p.shutdown();
});

function setup(options: Partial<SamplingLogRecordProcessorOptions> = {}) {
  const s = setupProvider({ ...PURE, ...options });
  providers.push(s.provider);
  return s;
}

// A processor without enabled(): placed first, it makes Logger.emit skip our enabled() and call our
// onEmit for every record, so onEmit's own decision can be observed.
const passThrough: LogRecordProcessor = {
  onEmit() {},
  forceFlush: async () => {},
  shutdown: async () => {},
};

function keptIds(exporter: CollectingExporter): Set<number> {
  return new Set(exporter.records.map((r) => r.attributes['i'] as number));
}

describe('SamplingLogRecordProcessor', () => {
  describe('onEmit', () => {
    it('should keep exactly the traces whose randomness reaches the class threshold (10^5 traces)', async () => {
      const ratios = { trace: 0.001, debug: 0.01, info: 0.1, warn: 0.5, error: 1 };
      const { provider, logger, exporter } = setup({ ratios });
      const traces: SpanContext[] = [];
      for (let i = 0; i < 100_000; i++) traces.push(randomSpanContext());
      let id = 0;
      const expected = new Set<number>();
      const thresholds = CLASSES.map((cls) => probabilityToThreshold(ratios[cls]));
      for (const sc of traces) {
        const r = traceIdRandomness(sc.traceId)!;
        const context = contextWith(sc);
        for (const [c, cls] of CLASSES.entries()) {
          const i = id++;
          if (r >= thresholds[c]!) expected.add(i);
          logger.emit({ severityNumber: SEV[cls], body: 'b', attributes: { i }, context });
        }
      }
      await provider.forceFlush();
      const kept = keptIds(exporter);
      expect(kept.size).toBe(expected.size);
      expect([...expected].every((i) => kept.has(i))).toBe(true);
    });

    it('should nest: every trace kept at a lower ratio is kept at a higher one', async () => {
      const traces: SpanContext[] = [];
      for (let i = 0; i < 100_000; i++) traces.push(randomSpanContext());
      const keptAt = async (p: number): Promise<Set<string>> => {
        const { provider, logger, exporter } = setup({ ratios: { info: p } });
        for (const sc of traces) {
          logger.emit({ severityNumber: SEV.info, body: sc.traceId, context: contextWith(sc) });
        }
        await provider.forceFlush();
        return new Set(exporter.records.map((r) => r.body as string));
      };
      const low = await keptAt(0.01);
      const high = await keptAt(0.1);
      expect(low.size).toBeGreaterThan(0);
      expect([...low].filter((t) => !high.has(t))).toEqual([]);
    });

    it('should observe each class ratio within 4σ', async () => {
      const ratios = { trace: 0.001, debug: 0.01, info: 0.05, warn: 0.3, error: 0.9 };
      const { provider, logger, processor } = setup({ ratios });
      const n = 100_000;
      for (let i = 0; i < n; i++) {
        const context = contextWith(randomSpanContext());
        for (const cls of CLASSES) logger.emit({ severityNumber: SEV[cls], body: 'b', context });
      }
      await provider.forceFlush();
      const stats = processor.getStats();
      for (const cls of CLASSES) {
        const p = thresholdToProbability(probabilityToThreshold(ratios[cls]));
        const sigma = Math.sqrt(n * p * (1 - p));
        expect(stats.offered[cls]).toBe(n);
        expect(Math.abs(stats.kept[cls] - n * p)).toBeLessThanOrEqual(4 * sigma);
        expect(stats.kept[cls] + stats.dropped.sampled[cls]).toBe(n);
      }
    });

    it('should tag kept records with p < 1 with sampling.threshold and leave p = 1 untagged', async () => {
      const { provider, logger, exporter } = setup({ ratios: { info: 0.1, error: 1 } });
      for (let i = 0; i < 2000; i++) {
        const context = contextWith(randomSpanContext());
        logger.emit({ severityNumber: SEV.info, body: 'i', context });
        logger.emit({ severityNumber: SEV.error, body: 'e', context });
      }
      await provider.forceFlush();
      const infos = exporter.records.filter((r) => r.body === 'i');
      const errors = exporter.records.filter((r) => r.body === 'e');
      expect(infos.length).toBeGreaterThan(100);
      expect(infos.every((r) => r.attributes['sampling.threshold'] === 'e666')).toBe(true);
      expect(errors).toHaveLength(2000);
      expect(errors.every((r) => !('sampling.threshold' in r.attributes))).toBe(true);
    });

    it('should take the randomness from the tracestate ot=rv value when present', async () => {
      const { provider, logger, exporter } = setup({ ratios: { info: 0.01 } });
      // Trace id randomness 0 would be dropped at 1%; rv = max keeps it, and the reverse.
      const keep: SpanContext = {
        traceId: '0123456789abcdef0100000000000000',
        spanId: '0123456789abcdef',
        traceFlags: TraceFlags.SAMPLED,
        traceState: new TraceState('vendor=x,ot=th:0;rv:ffffffffffffff'),
      };
      const drop: SpanContext = {
        traceId: '0123456789abcdefffffffffffffffff',
        spanId: '0123456789abcdef',
        traceFlags: TraceFlags.SAMPLED,
        traceState: new TraceState('ot=rv:00000000000001'),
      };
      const malformed: SpanContext = { ...drop, traceState: new TraceState('ot=rv:zz') };
      logger.emit({ severityNumber: SEV.info, body: 'keep', context: contextWith(keep) });
      logger.emit({ severityNumber: SEV.info, body: 'drop', context: contextWith(drop) });
      logger.emit({ severityNumber: SEV.info, body: 'bad-rv', context: contextWith(malformed) });
      await provider.forceFlush();
      expect(exporter.records.map((r) => r.body)).toEqual(['keep', 'bad-rv']);
    });

    it('should never sample FATAL, even at ratio 0 for everything else', async () => {
      const zero = { trace: 0, debug: 0, info: 0, warn: 0, error: 0 };
      const { provider, logger, exporter } = setup({ ratios: zero, noTraceContext: 'drop' });
      for (let i = 0; i < 100; i++) {
        logger.emit({
          severityNumber: SEV.fatal + (i % 4),
          body: 'f',
          context: contextWith(randomSpanContext()),
        });
        logger.emit({ severityNumber: SEV.fatal, body: 'f' });
        logger.emit({ severityNumber: SEV.error, body: 'e' });
      }
      await provider.forceFlush();
      expect(exporter.records).toHaveLength(200);
    });

    it('should class unspecified severities from severityText', async () => {
      const { provider, logger, exporter } = setup({
        ratios: { info: 0, error: 1 },
        noTraceContext: 'keep',
      });
      logger.emit({ severityText: 'ERROR', body: 'err' });
      logger.emit({ severityText: 'info', body: 'inf' });
      logger.emit({ body: 'none' });
      await provider.forceFlush();
      expect(exporter.records.map((r) => r.body)).toEqual(['err']);
    });
  });

  describe('noTraceContext', () => {
    it('should drop or keep records without trace context as configured', async () => {
      const keep = setup({ ratios: { info: 0.001 }, noTraceContext: 'keep' });
      const drop = setup({ ratios: { info: 1 }, noTraceContext: 'drop' });
      for (let i = 0; i < 500; i++) {
        keep.logger.emit({ severityNumber: SEV.info, body: 'x' });
        drop.logger.emit({ severityNumber: SEV.info, body: 'x' });
      }
      await keep.provider.forceFlush();
      await drop.provider.forceFlush();
      expect(keep.exporter.records).toHaveLength(500);
      expect(keep.exporter.records[0]!.attributes['sampling.threshold']).toBeUndefined();
      expect(drop.exporter.records).toHaveLength(0);
      expect(drop.processor.getStats().dropped.sampled.info).toBe(500);
    });

    it('should sample independently at the class ratio in random mode, asked first or not', async () => {
      const { provider, logger, processor } = setup({ ratios: { info: 0.2 } });
      const n = 20_000;
      for (let i = 0; i < n; i++) {
        // Half the calls ask enabled() first, as a bridge does; that must not square the ratio.
        if (i % 2 === 0 && !logger.enabled({ severityNumber: SEV.info, context: ROOT_CONTEXT })) {
          continue;
        }
        logger.emit({ severityNumber: SEV.info, body: 'x', context: ROOT_CONTEXT });
      }
      await provider.forceFlush();
      const stats = processor.getStats();
      const p = thresholdToProbability(probabilityToThreshold(0.2));
      expect(stats.offered.info).toBe(n);
      expect(Math.abs(stats.kept.info - n * p)).toBeLessThanOrEqual(4 * Math.sqrt(n * p * (1 - p)));
    });

    it('should decide by the hashed attribute value in attribute mode', async () => {
      const { provider, logger, exporter } = setup({
        ratios: { info: 0.3 },
        noTraceContext: { attribute: 'session.id' },
      });
      const sessions = 2000;
      for (let s = 0; s < sessions; s++) {
        for (let k = 0; k < 5; k++) {
          logger.emit({
            severityNumber: SEV.info,
            body: 'x',
            attributes: { 'session.id': `s-${s}`, k },
          });
        }
        logger.emit({ severityNumber: SEV.info, body: 'n', attributes: { 'session.id': s } });
      }
      await provider.forceFlush();
      const perSession = new Map<unknown, number>();
      for (const r of exporter.records.filter((r) => r.body === 'x')) {
        const key = r.attributes['session.id'];
        perSession.set(key, (perSession.get(key) ?? 0) + 1);
        expect(r.attributes['sampling.threshold']).toBe(
          thresholdToHex(probabilityToThreshold(0.3)),
        );
      }
      // Whole sessions: every kept session kept all 5 of its records.
      expect([...perSession.values()].every((n) => n === 5)).toBe(true);
      const p = 0.3;
      const sigma = Math.sqrt(sessions * p * (1 - p));
      expect(Math.abs(perSession.size - sessions * p)).toBeLessThanOrEqual(4 * sigma);
      const numeric = exporter.records.filter((r) => r.body === 'n').length;
      expect(Math.abs(numeric - sessions * p)).toBeLessThanOrEqual(4 * sigma);
    });
  });

  describe('enabled', () => {
    it('should agree with the decision onEmit makes on its own', async () => {
      const ratios = { trace: 0.01, debug: 0.05, info: 0.1, warn: 0.5, error: 1 };
      const asker = new SamplingLogRecordProcessor({
        ...PURE,
        exporter: new CollectingExporter(),
        ratios,
      });
      const emitter = new SamplingLogRecordProcessor({
        ...PURE,
        exporter: new CollectingExporter(),
        ratios,
      });
      const provider = new LoggerProvider({
        resource: resourceFromAttributes({ 'service.name': 's' }),
        processors: [passThrough, emitter],
      });
      providers.push(provider);
      const logger = provider.getLogger('t');
      const predicted = new Set<number>();
      let id = 0;
      for (let t = 0; t < 20_000; t++) {
        const context = contextWith(randomSpanContext());
        for (const cls of CLASSES) {
          const i = id++;
          if (asker.enabled({ context, severityNumber: SEV[cls] })) predicted.add(i);
          logger.emit({ severityNumber: SEV[cls], body: 'b', attributes: { i }, context });
        }
      }
      await provider.forceFlush();
      const kept = keptIds((emitter as unknown as { exporter: CollectingExporter }).exporter);
      expect(kept.size).toBe(predicted.size);
      expect([...predicted].every((i) => kept.has(i))).toBe(true);
      await asker.shutdown();
    });

    it('should be false for a class at ratio 0 and count the refusal once', async () => {
      const { logger, processor } = setup({ ratios: { debug: 0 } });
      const context = contextWith(randomSpanContext());
      expect(logger.enabled({ severityNumber: SEV.debug, context })).toBe(false);
      expect(logger.enabled({ severityNumber: SEV.error, context })).toBe(true);
      logger.emit({ severityNumber: SEV.debug, body: 'd', context });
      const stats = processor.getStats();
      expect(stats.offered.debug).toBe(2);
      expect(stats.dropped.sampled.debug).toBe(2);
    });

    it('should count a refused record once when another processor lets it through', async () => {
      const exporter = new CollectingExporter();
      const ours = new SamplingLogRecordProcessor({ ...PURE, exporter, ratios: { info: 0 } });
      const other: LogRecordProcessor = { ...passThrough, enabled: () => true };
      const provider = new LoggerProvider({ processors: [ours, other] });
      providers.push(provider);
      const logger = provider.getLogger('t');
      for (let i = 0; i < 10; i++) {
        logger.emit({
          severityNumber: SEV.info,
          body: 'x',
          context: contextWith(randomSpanContext()),
        });
      }
      await provider.forceFlush();
      const stats = ours.getStats();
      expect(stats.offered.info).toBe(10);
      expect(stats.dropped.sampled.info).toBe(10);
      expect(exporter.records).toHaveLength(0);
    });

    it('should say true when the class is unknown (no severity number)', () => {
      const { processor } = setup({ ratios: { info: 0, debug: 0, trace: 0, warn: 0, error: 0 } });
      expect(processor.enabled({ context: ROOT_CONTEXT })).toBe(true);
      expect(processor.enabled({ context: ROOT_CONTEXT, severityNumber: SEV.fatal })).toBe(true);
    });

    it('should never throw, whatever the context: the error goes to the global handler', () => {
      const { processor } = setup();
      const broken = {
        getValue() {
          throw new Error('broken context');
        },
      } as unknown as typeof ROOT_CONTEXT;
      const errors: unknown[] = [];
      setGlobalErrorHandler((e) => errors.push(e));
      try {
        expect(processor.enabled({ context: broken, severityNumber: SEV.info })).toBe(true);
      } finally {
        setGlobalErrorHandler(loggingErrorHandler());
      }
      expect(errors).toHaveLength(1);
    });
  });
});
