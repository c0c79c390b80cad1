import type { SamplingLogRecordProcessorOptions } from '@spillway/sampling';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { contextWith, randomSpanContext, SEV, setupProvider } from './helpers';

const OPTIONS: Partial<SamplingLogRecordProcessorOptions> = {
  ratios: { error: 1, warn: 1 },
  rateLimits: { error: 100, warn: 0 },
  traceSilenceAfter: 0,
  maxQueueSize: 100_000,
  maxExportBatchSize: 100_000,
};

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('SamplingLogRecordProcessor', () => {
  describe('rateLimits', () => {
    it('should thin a flood of one template by trace, within the budget, and recover when it ends', async () => {
      const { provider, processor, logger, exporter } = setupProvider(OPTIONS);
      // 10k errors/s (1000 per 100 ms step) of one template (the body is a trace id: `<hex>`)
      // from 200 traces a step, against a budget of 100/s.
      const lateTraces = new Set<string>();
      for (let step = 0; step < 30; step++) {
        const traces = Array.from({ length: 200 }, () => randomSpanContext());
        if (step >= 15) for (const t of traces) lateTraces.add(t.traceId);
        for (let i = 0; i < 1000; i++) {
          const sc = traces[i % 200]!;
          logger.emit({ severityNumber: SEV.error, body: sc.traceId, context: contextWith(sc) });
        }
        await vi.advanceTimersByTimeAsync(100);
      }
      const stats = processor.getStats();
      // The budget over 3 s, within 10%: each interval's floor (5) and what the first interval
      // keeps before the flood's rate is projected are repaid by later intervals, half a
      // budget at most per interval, so a 3 s window may end with some still owed.
      expect(stats.kept.error).toBeLessThanOrEqual(100 * 3 * 1.1);
      expect(stats.kept.error).toBeGreaterThan(100);
      expect(stats.dropped.rate_limited.error).toBe(30_000 - stats.kept.error);
      expect(stats.dropped.sampled.error).toBe(0);
      expect(stats.rateLimits.error!.limited).toBe(stats.dropped.rate_limited.error);
      expect(stats.rateLimits.error!.templates).toBe(1);
      expect(stats.rateLimits.error!.thinnedTemplates).toBe(1);
      // The class ratio is not lowered: thinning is the template's.
      expect(stats.effectiveRatios.error).toBe(1);
      await provider.forceFlush();
      // Thinned by trace: a late trace's 5 records are kept all or none (but for the floor's
      // records, the first 5 of an interval, kept whatever their trace: no threshold).
      const perTrace = new Map<string, number>();
      for (const r of exporter.records) {
        const id = r.body as string;
        if (!lateTraces.has(id) || r.attributes['sampling.threshold'] === undefined) continue;
        perTrace.set(id, (perTrace.get(id) ?? 0) + 1);
      }
      expect(perTrace.size).toBeGreaterThan(0);
      expect([...perTrace.values()].every((n) => n === 5)).toBe(true);
      // Kept records carry the threshold in force, so backends can re-weight them (p < 1/16).
      const last = exporter.records.filter((r) => r.severityNumber === SEV.error).at(-1)!;
      expect(last.attributes['sampling.threshold']).toMatch(/^f[0-9a-f]*$/);
      // The flood ends: its smoothed count decays, and the template is kept whole again.
      await vi.advanceTimersByTimeAsync(20_000);
      const sc = randomSpanContext();
      logger.emit({ severityNumber: SEV.error, body: sc.traceId, context: contextWith(sc) });
      for (let i = 0; i < 20; i++) {
        const other = randomSpanContext();
        logger.emit({
          severityNumber: SEV.error,
          body: other.traceId,
          context: contextWith(other),
        });
      }
      await provider.forceFlush();
      expect(processor.getStats().dropped.rate_limited.error).toBe(
        stats.dropped.rate_limited.error,
      );
      expect(exporter.records.at(-1)!.attributes['sampling.threshold']).toBeUndefined();
      await provider.shutdown();
    });

    it('should keep each template its floor per interval, even under a budget below 1/s', async () => {
      const { provider, processor, logger } = setupProvider({
        ...OPTIONS,
        rateLimits: { error: 0.5, warn: 0.5 },
        ratios: { error: 1, warn: 1 },
      });
      const emit = (severityNumber: number, body: string) =>
        logger.emit({ severityNumber, body, context: contextWith(randomSpanContext()) });
      for (let i = 0; i < 50; i++) emit(SEV.error, 'disk full');
      for (let i = 0; i < 50; i++) emit(SEV.warn, 'slow disk');
      let s = processor.getStats();
      // ERROR: 5 per template per interval; lower classes: 1.
      expect(s.kept.error).toBeGreaterThanOrEqual(5);
      expect(s.kept.warn).toBeGreaterThanOrEqual(1);
      expect(s.kept.error).toBeLessThan(50);
      expect(s.kept.error + s.dropped.rate_limited.error).toBe(50);
      expect(s.kept.warn + s.dropped.rate_limited.warn).toBe(50);
      const before = s.kept.error;
      await vi.advanceTimersByTimeAsync(1_000);
      for (let i = 0; i < 5; i++) emit(SEV.error, 'disk full');
      s = processor.getStats();
      expect(s.kept.error).toBe(before + 5);
      await provider.shutdown();
    });

    it('should never rate-limit FATAL', async () => {
      const { provider, processor, logger } = setupProvider({
        ...OPTIONS,
        rateLimits: { error: 1, fatal: 1 },
      });
      for (let i = 0; i < 500; i++) logger.emit({ severityNumber: SEV.fatal, body: 'f' });
      expect(processor.getStats().kept.fatal).toBe(500);
      expect(processor.getStats().rateLimits.fatal).toBeUndefined();
      await provider.shutdown();
    });

    it('should let records under the limit through untouched', async () => {
      const { provider, processor, logger } = setupProvider(OPTIONS);
      for (let step = 0; step < 20; step++) {
        for (let i = 0; i < 9; i++) {
          logger.emit({
            severityNumber: SEV.error,
            body: 'e',
            context: contextWith(randomSpanContext()),
          });
        }
        await vi.advanceTimersByTimeAsync(100);
      }
      const stats = processor.getStats();
      expect(stats.kept.error).toBe(180);
      expect(stats.dropped.rate_limited.error).toBe(0);
      expect(stats.rateLimits.error!.thinnedTemplates).toBe(0);
      await provider.shutdown();
    });
  });
});
