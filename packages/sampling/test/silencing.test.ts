import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { SamplingLogRecordProcessorOptions } from '@spillway/sampling';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { contextWith, randomSpanContext, SEV, setupProvider } from './helpers';

const ALL_KEPT: Partial<SamplingLogRecordProcessorOptions> = {
  ratios: { trace: 1, debug: 1, info: 1, warn: 1, error: 1 },
  rateLimits: { warn: 0, error: 0 },
  traceSilenceAfter: 5,
  silenceTtlMillis: 10_000,
  scheduledDelayMillis: 1000,
};

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function setup(options: Partial<SamplingLogRecordProcessorOptions> = {}) {
  return setupProvider({ ...ALL_KEPT, ...options });
}

const summariesOf = (records: ReadableLogRecord[]) =>
  records.filter((r) => r.eventName === 'spillway.sampling.silenced');

describe('SamplingLogRecordProcessor', () => {
  describe('traceSilenceAfter', () => {
    it('should keep N INFO-or-lower records of a trace, silence the rest, never WARN+', async () => {
      const { provider, processor, logger, exporter } = setup();
      const sc = randomSpanContext();
      const context = contextWith(sc);
      for (let i = 0; i < 12; i++)
        logger.emit({ severityNumber: SEV.info, body: `i${i}`, context });
      for (let i = 0; i < 3; i++)
        logger.emit({ severityNumber: SEV.debug, body: `d${i}`, context });
      for (let i = 0; i < 2; i++)
        logger.emit({ severityNumber: SEV.trace, body: `t${i}`, context });
      for (let i = 0; i < 4; i++) logger.emit({ severityNumber: SEV.warn, body: `w${i}`, context });
      logger.emit({ severityNumber: SEV.error, body: 'e', context });
      logger.emit({ severityNumber: SEV.fatal, body: 'f', context });
      const stats = processor.getStats();
      expect(stats.dropped.silenced).toMatchObject({ info: 7, debug: 3, trace: 2, total: 12 });
      expect(stats.kept).toMatchObject({ info: 5, warn: 4, error: 1, fatal: 1 });
      // While silenced, enabled() already says no for INFO-or-lower, and counts it.
      expect(logger.enabled({ severityNumber: SEV.info, context })).toBe(false);
      expect(logger.enabled({ severityNumber: SEV.warn, context })).toBe(true);
      expect(processor.getStats().dropped.silenced.info).toBe(8);
      await provider.shutdown();
      const bodies = exporter.records.map((r) => r.body);
      expect(bodies.slice(0, 5)).toEqual(['i0', 'i1', 'i2', 'i3', 'i4']);
      expect(bodies).toContain('e');
      const [summary, ...more] = summariesOf(exporter.records);
      expect(more).toHaveLength(0);
      expect(summary!.body).toBe('silenced 13 records');
      expect(summary!.spanContext?.traceId).toBe(sc.traceId);
      expect(summary!.attributes).toMatchObject({
        'spillway.silenced.count': 13,
        'spillway.silenced.info': 8,
        'spillway.silenced.debug': 3,
        'spillway.silenced.trace': 2,
        'spillway.silenced.reason': 'shutdown',
      });
      expect(summary!.resource.attributes['service.name']).toBe('sampling-test');
    });

    it('should emit the summary when the trace expires (TTL) and then start it afresh', async () => {
      const { provider, processor, logger, exporter } = setup();
      const context = contextWith(randomSpanContext());
      for (let i = 0; i < 8; i++) logger.emit({ severityNumber: SEV.info, body: 'x', context });
      await vi.advanceTimersByTimeAsync(5_000);
      expect(summariesOf(exporter.records)).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(7_000);
      const [summary] = summariesOf(exporter.records);
      expect(summary!.attributes['spillway.silenced.reason']).toBe('ttl');
      expect(summary!.attributes['spillway.silenced.count']).toBe(3);
      expect(processor.getStats().silencedTraces).toBe(0);
      for (let i = 0; i < 5; i++) logger.emit({ severityNumber: SEV.info, body: 'y', context });
      expect(processor.getStats().dropped.silenced.info).toBe(3);
      await provider.shutdown();
    });

    it('should evict the least recently seen trace at the table bound, with its summary', async () => {
      const { provider, logger, exporter } = setup({ silenceMaxTraces: 2 });
      const [a, b, c] = [randomSpanContext(), randomSpanContext(), randomSpanContext()];
      for (let i = 0; i < 6; i++)
        logger.emit({ severityNumber: SEV.info, body: 'a', context: contextWith(a) });
      logger.emit({ severityNumber: SEV.info, body: 'b', context: contextWith(b) });
      logger.emit({ severityNumber: SEV.info, body: 'c', context: contextWith(c) });
      await provider.forceFlush();
      const [summary] = summariesOf(exporter.records);
      expect(summary!.spanContext?.traceId).toBe(a.traceId);
      expect(summary!.attributes['spillway.silenced.reason']).toBe('evicted');
      await provider.shutdown();
    });

    it('should summarise on forceFlush and keep the trace silenced', async () => {
      const { provider, processor, logger, exporter } = setup();
      const context = contextWith(randomSpanContext());
      for (let i = 0; i < 7; i++) logger.emit({ severityNumber: SEV.info, body: 'x', context });
      await provider.forceFlush();
      expect(
        summariesOf(exporter.records).map((r) => r.attributes['spillway.silenced.reason']),
      ).toEqual(['flush']);
      logger.emit({ severityNumber: SEV.info, body: 'x', context });
      expect(processor.getStats().dropped.silenced.info).toBe(3);
      await provider.shutdown();
      const summaries = summariesOf(exporter.records);
      expect(summaries.map((r) => r.attributes['spillway.silenced.count'])).toEqual([2, 1]);
      expect(processor.getStats().summaries).toBe(2);
    });

    it('should silence nothing when 0', async () => {
      const { provider, processor, logger } = setup({ traceSilenceAfter: 0 });
      const context = contextWith(randomSpanContext());
      for (let i = 0; i < 500; i++) logger.emit({ severityNumber: SEV.info, body: 'x', context });
      expect(processor.getStats().kept.info).toBe(500);
      await provider.shutdown();
    });
  });
});
