import type { SamplingLogRecordProcessorOptions } from '@spillway/sampling';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { contextWith, randomSpanContext, SEV, setupProvider } from './helpers';

const OPTIONS: Partial<SamplingLogRecordProcessorOptions> = {
  ratios: { error: 1, warn: 1 },
  rateLimits: { error: 100, warn: 0 },
  rateLimitIntervalMillis: 100,
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
    it('should clip a flood at the bucket, back off by halving, and recover when it ends', async () => {
      const { provider, processor, logger, exporter } = setupProvider(OPTIONS);
      // 10k errors/s (1000 per 100 ms step) from 200 traces a step, against a limit of 100/s.
      const levels: number[] = [];
      const lateTraces = new Set<string>();
      let limitedAtStep15 = 0;
      for (let step = 0; step < 30; step++) {
        const traces = Array.from({ length: 200 }, () => randomSpanContext());
        if (step === 15) limitedAtStep15 = processor.getStats().rateLimits.error!.limited;
        if (step >= 15) for (const t of traces) lateTraces.add(t.traceId);
        for (let i = 0; i < 1000; i++) {
          const sc = traces[i % 200]!;
          logger.emit({ severityNumber: SEV.error, body: sc.traceId, context: contextWith(sc) });
        }
        levels.push(processor.getStats().rateLimits.error!.backoffLevel);
        await vi.advanceTimersByTimeAsync(100);
      }
      const stats = processor.getStats();
      // Halving per interval while over, then settling where the flood fits: 10k/s × 2^-7 = 78/s
      // ≤ 100/s < 10k/s × 2^-6 (one level of overshoot while the emptied bucket refills).
      expect(levels.slice(0, 8)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(levels.slice(8).every((l) => l === 7 || l === 8)).toBe(true);
      expect(stats.rateLimits.error!.backoffLevel).toBeGreaterThanOrEqual(7);
      expect(stats.rateLimits.error!.backoffLevel).toBeLessThanOrEqual(8);
      expect(stats.effectiveRatios.error).toBe(2 ** -stats.rateLimits.error!.backoffLevel);
      expect(stats.ratios.error).toBe(1);
      // Kept at most the bucket: one second's burst plus the limit over 3 s.
      expect(stats.kept.error).toBeLessThanOrEqual(100 + 100 * 3);
      expect(stats.kept.error).toBeGreaterThan(200);
      expect(stats.dropped.rate_limited.error).toBe(30_000 - stats.kept.error);
      expect(stats.dropped.sampled.error).toBe(0);
      // Once backed off, the bucket no longer clips: traces are thinned whole (all 5 or none).
      expect(stats.rateLimits.error!.limited).toBe(limitedAtStep15);
      await provider.forceFlush();
      const perTrace = new Map<string, number>();
      for (const r of exporter.records) {
        const id = r.body as string;
        if (lateTraces.has(id)) perTrace.set(id, (perTrace.get(id) ?? 0) + 1);
      }
      expect(perTrace.size).toBeGreaterThan(0);
      expect([...perTrace.values()].every((n) => n === 5)).toBe(true);
      // Kept records carry the threshold in force, so backends can re-weight them.
      const last = exporter.records.at(-1)!;
      expect(last.attributes['sampling.threshold']).toMatch(/^f[0-9a-f]*$/);
      // The flood ends: the ratio doubles back each interval, up to the configured one.
      await vi.advanceTimersByTimeAsync(2_000);
      logger.emit({
        severityNumber: SEV.error,
        body: 'after',
        context: contextWith(randomSpanContext()),
      });
      expect(processor.getStats().rateLimits.error!.backoffLevel).toBe(0);
      expect(processor.getStats().effectiveRatios.error).toBe(1);
      await provider.shutdown();
    });

    it('should honour limits below one record per second', async () => {
      const { provider, processor, logger } = setupProvider({
        ...OPTIONS,
        rateLimits: { error: 0.5 },
      });
      const emit = () => logger.emit({ severityNumber: SEV.error, body: 'e' });
      emit();
      emit();
      expect(processor.getStats().kept.error).toBe(1);
      await vi.advanceTimersByTimeAsync(2_000);
      emit();
      emit();
      expect(processor.getStats().kept.error).toBe(2);
      expect(processor.getStats().dropped.rate_limited.error).toBe(2);
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
      expect(stats.rateLimits.error!.backoffs).toBe(0);
      await provider.shutdown();
    });
  });
});
