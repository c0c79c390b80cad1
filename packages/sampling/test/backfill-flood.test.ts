import { type SpanContext, TraceFlags } from '@opentelemetry/api';
import type { SamplingLogRecordProcessorOptions } from '@spillway/sampling';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { contextWith, randomHex, SEV, setupProvider } from './helpers';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

// Randomness 0: sampled out at any ratio below 1, so every record below is held for backfill.
function coldTrace(): SpanContext {
  return {
    traceId: `${randomHex(9)}00000000000000`,
    spanId: randomHex(8),
    traceFlags: TraceFlags.SAMPLED,
  };
}

const OPTIONS: Partial<SamplingLogRecordProcessorOptions> = {
  backfill: { windowMillis: 10_000 },
  noTraceContext: 'drop',
  rateLimits: { warn: 20 },
};

describe('SamplingLogRecordProcessor', () => {
  describe('backfill under flood control', () => {
    it('should thin a flooding template among backfilled records and keep every rare one', async () => {
      const { processor, logger, exporter } = setupProvider(OPTIONS);
      const t = contextWith(coldTrace());
      for (let i = 0; i < 150; i++)
        logger.emit({ severityNumber: SEV.warn, body: `retry ${i} of upstream call`, context: t });
      for (const rare of ['cache miss for user', 'slow query on orders', 'pool nearly full'])
        logger.emit({ severityNumber: SEV.warn, body: rare, context: t });
      expect(processor.getStats().backfill?.held.warn).toBe(153);
      logger.emit({ severityNumber: SEV.error, body: 'boom', context: t });
      await processor.forceFlush();

      const warns = exporter.records.filter((r) => r.severityNumber === SEV.warn);
      const flood = warns.filter((r) => String(r.body).startsWith('retry '));
      const bodies = new Set(warns.map((r) => String(r.body)));
      for (const rare of ['cache miss for user', 'slow query on orders', 'pool nearly full'])
        expect(bodies.has(rare)).toBe(true);
      // The flood is held to about the class budget, not all 150; each refusal is counted.
      expect(flood.length).toBeGreaterThan(0);
      expect(flood.length).toBeLessThan(40);
      const s = processor.getStats();
      expect(s.dropped.rate_limited.warn).toBe(150 - flood.length);
      expect(exporter.records.some((r) => r.body === 'boom')).toBe(true);
      // One thinning summary for the template, with the counts of what backfill offered it.
      expect(exporter.records.map((r) => r.body)).toContain(
        `thinned template: 150 seen, ${flood.length} kept`,
      );
    });

    it('should keep all backfilled records when no template floods', async () => {
      const { processor, logger, exporter } = setupProvider(OPTIONS);
      const t = contextWith(coldTrace());
      const bodies = ['a started', 'b loaded config', 'c connected', 'd ready'];
      for (const body of bodies) logger.emit({ severityNumber: SEV.warn, body, context: t });
      logger.emit({ severityNumber: SEV.error, body: 'boom', context: t });
      await processor.forceFlush();
      expect(exporter.records.map((r) => r.body)).toEqual([...bodies, 'boom']);
      expect(processor.getStats().dropped.rate_limited.total).toBe(0);
    });
  });
});
