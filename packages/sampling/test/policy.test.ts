import { loggingErrorHandler, setGlobalErrorHandler } from '@opentelemetry/core';
import {
  type EffectiveSamplingPolicy,
  SamplingLogRecordProcessor,
  type SamplingPolicy,
} from '@spillway/sampling';
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import { CollectingExporter, contextWith, randomSpanContext, SEV, setupProvider } from './helpers';

let errors: unknown[] = [];
beforeEach(() => {
  errors = [];
  setGlobalErrorHandler((e) => errors.push(e));
});
afterEach(() => setGlobalErrorHandler(loggingErrorHandler()));

const DEFAULT_RATIOS = { fatal: 1, error: 1, warn: 0.1, info: 0.001, debug: 0.001, trace: 0.001 };

describe('SamplingLogRecordProcessor', () => {
  describe('updatePolicy types', () => {
    it('should take partial ratios and rate limits, and read back every class', () => {
      // Type-level: `tsc -p packages/sampling/tsconfig.json` compiles this file.
      expectTypeOf<{ ratios: { info: 0.01 } }>().toMatchTypeOf<SamplingPolicy>();
      expectTypeOf<{ rateLimits: { warn: 500 } }>().toMatchTypeOf<SamplingPolicy>();
      expectTypeOf<{ keepAll: true }>().toMatchTypeOf<SamplingPolicy>();
      expectTypeOf<{ ratios: { verbose: 1 } }>().not.toMatchTypeOf<SamplingPolicy>();
      expectTypeOf<EffectiveSamplingPolicy['ratios']>().toEqualTypeOf<
        Record<'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace', number>
      >();
      const processor = new SamplingLogRecordProcessor({ exporter: new CollectingExporter() });
      processor.updatePolicy({ ratios: { info: 0.01 } });
      // @ts-expect-error a ratio is a number
      expect(() => processor.updatePolicy({ ratios: { info: 'all' } })).toThrow(RangeError);
      const info: number = processor.getPolicy().ratios.info;
      expect(info).toBe(0.01);
    });
  });

  describe('getPolicy', () => {
    it('should read back the defaults with the constructor options merged in', () => {
      const { processor } = setupProvider({ ratios: { warn: 0.5 }, rateLimits: { info: 10 } });
      expect(processor.getPolicy()).toEqual({
        ratios: { ...DEFAULT_RATIOS, warn: 0.5 },
        rateLimits: { error: 1000, warn: 1000, info: 10 },
        traceSilenceAfter: 50,
        noTraceContext: 'random',
      });
    });

    it('should read back a partial update merged over the policy in force', () => {
      const { processor } = setupProvider({ noTraceContext: { attribute: 'session.id' } });
      processor.updatePolicy({ ratios: { info: 0.01 } });
      processor.updatePolicy({ rateLimits: { warn: 0, debug: 5 }, traceSilenceAfter: 7 });
      expect(processor.getPolicy()).toEqual({
        ratios: { ...DEFAULT_RATIOS, info: 0.01 },
        rateLimits: { error: 1000, debug: 5 },
        traceSilenceAfter: 7,
        noTraceContext: { attribute: 'session.id' },
      });
    });

    it('should return a copy', () => {
      const { processor } = setupProvider();
      processor.getPolicy().ratios.info = 1;
      expect(processor.getPolicy().ratios.info).toBe(0.001);
    });

    it('should decide with the merged policy: only the updated class changes', () => {
      const { logger, processor, exporter } = setupProvider({
        ratios: { trace: 1, debug: 1, info: 0, warn: 1, error: 1 },
        rateLimits: { warn: 0, error: 0 },
        traceSilenceAfter: 0,
        scheduledDelayMillis: 60_000,
      });
      processor.updatePolicy({ ratios: { info: 1 } });
      processor.updatePolicy({ ratios: { debug: 0 } });
      for (let i = 0; i < 100; i++) {
        const context = contextWith(randomSpanContext());
        for (const n of [SEV.trace, SEV.debug, SEV.info, SEV.warn]) {
          logger.emit({ severityNumber: n, body: 'x', context });
        }
      }
      const stats = processor.getStats();
      expect(stats.kept).toMatchObject({ trace: 100, debug: 0, info: 100, warn: 100 });
      expect(stats.dropped.sampled).toMatchObject({ total: 100, debug: 100 });
      expect(exporter.records).toHaveLength(0);
      expect(errors).toEqual([]);
    });
  });

  describe('keepAll', () => {
    const TRACE_SIZE = 20_000;
    // Every class, one trace, far past the default silencing (50) and rate limits (WARN 1000/s,
    // ERROR 200/s), plus records with no trace context.
    function emitFlood(logger: ReturnType<typeof setupProvider>['logger']): void {
      const context = contextWith(randomSpanContext());
      const severities = [SEV.trace, SEV.debug, SEV.info, SEV.warn, SEV.error];
      for (let i = 0; i < TRACE_SIZE; i++) {
        logger.emit({ severityNumber: severities[i % 5]!, body: `r${i}`, context });
      }
      for (let i = 0; i < 100; i++) logger.emit({ severityNumber: SEV.debug, body: 'no trace' });
    }

    it('should keep every record: no sampling, silencing or rate limit', () => {
      const { logger, processor } = setupProvider({
        keepAll: true,
        maxQueueSize: 30_000,
        scheduledDelayMillis: 60_000,
      });
      emitFlood(logger);
      const stats = processor.getStats();
      expect(stats.kept.total).toBe(TRACE_SIZE + 100);
      expect(stats.dropped.sampled.total).toBe(0);
      expect(stats.dropped.silenced.total).toBe(0);
      expect(stats.dropped.rate_limited.total).toBe(0);
      expect(processor.getPolicy()).toEqual({
        ratios: { fatal: 1, error: 1, warn: 1, info: 1, debug: 1, trace: 1 },
        rateLimits: {},
        traceSilenceAfter: 0,
        noTraceContext: 'random',
      });
    });

    it('should let the parts given beside it win', () => {
      const { processor } = setupProvider({
        keepAll: true,
        rateLimits: { error: 200 },
        ratios: { debug: 0.5 },
      });
      expect(processor.getPolicy()).toMatchObject({
        ratios: { debug: 0.5, info: 1, warn: 1 },
        rateLimits: { error: 200 },
        traceSilenceAfter: 0,
      });
    });

    it('should replace the policy in force when given to updatePolicy', () => {
      const { logger, processor } = setupProvider({
        ratios: { info: 0 },
        noTraceContext: 'drop',
        maxQueueSize: 30_000,
        scheduledDelayMillis: 60_000,
      });
      processor.updatePolicy({ keepAll: true });
      emitFlood(logger);
      const stats = processor.getStats();
      expect(stats.kept.total).toBe(TRACE_SIZE + 100);
      expect(stats.offered.total).toBe(TRACE_SIZE + 100);
    });

    it('should refuse a keepAll that is not a boolean and change nothing', () => {
      const { processor } = setupProvider();
      expect(() => processor.updatePolicy({ keepAll: 'yes' as never })).toThrow(
        /keepAll must be a boolean, got "yes"/,
      );
      expect(processor.getPolicy().ratios.info).toBe(0.001);
    });
  });
});
