import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import {
  parseThreshold,
  SamplingLogRecordProcessor,
  type SamplingLogRecordProcessorOptions,
  thresholdToProbability,
} from '@spillway/sampling';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CollectingExporter, contextWith, randomSpanContext, SEV, setupProvider } from './helpers';

const OPTIONS: Partial<SamplingLogRecordProcessorOptions> = {
  rateLimits: { error: 500, warn: 0 },
  traceSilenceAfter: 0,
  maxQueueSize: 100_000,
  maxExportBatchSize: 100_000,
};
const FLOOD_SHAPE = 'GET /api/orders/<n> <n> <n>ms upstream timeout';
const floodBody = (i: number) => `GET /api/orders/${i} 500 ${i % 3000}ms upstream timeout`;
const isFlood = (r: ReadableLogRecord) => String(r.body).endsWith('upstream timeout');
const isSummary = (r: ReadableLogRecord) => r.eventName === 'spillway.sampling.thinned';
const weight = (r: ReadableLogRecord) => {
  const th = r.attributes['sampling.threshold'];
  return th === undefined ? 1 : 1 / thresholdToProbability(parseThreshold(th as string)!);
};

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

// 2,000 ERROR records/s of one template (20 per 10 ms step, each in its own trace) for 3 s, and
// 20 rare ERROR templates of 5 records each at steps spread over the 3 s.
async function flood(options: Partial<SamplingLogRecordProcessorOptions> = OPTIONS) {
  const setup = setupProvider(options);
  const { logger } = setup;
  let n = 0;
  for (let step = 0; step < 300; step++) {
    for (let i = 0; i < 20; i++) {
      logger.emit({
        severityNumber: SEV.error,
        body: floodBody(n++),
        context: contextWith(randomSpanContext()),
      });
    }
    if (step % 3 === 0 && step < 300) {
      const t = (step / 3) % 20;
      logger.emit({
        severityNumber: SEV.error,
        body: `rare failure kind${String.fromCharCode(97 + t)} on shard ${step}`,
        context: contextWith(randomSpanContext()),
      });
    }
    await vi.advanceTimersByTimeAsync(10);
  }
  await setup.provider.forceFlush();
  return { ...setup, flooded: n };
}

describe('SamplingLogRecordProcessor', () => {
  describe('rateLimits per template', () => {
    it('should keep every rare ERROR template whole under a flood of one template', async () => {
      const { exporter, processor, provider, flooded } = await flood();
      const rare = new Map<string, number>();
      for (const r of exporter.records) {
        if (r.severityNumber !== SEV.error || isFlood(r)) continue;
        const kind = String(r.body).replace(/ on shard .*$/, '');
        rare.set(kind, (rare.get(kind) ?? 0) + 1);
      }
      expect(rare.size).toBe(20);
      expect([...rare.values()]).toEqual(new Array(20).fill(5));
      const stats = processor.getStats();
      const floodKept = exporter.records.filter(isFlood).length;
      // Within the class budget over the 3 s; thinned, not cut off.
      expect(floodKept).toBeLessThanOrEqual(500 * 3);
      expect(floodKept).toBeGreaterThan(500);
      // Every record not kept is counted, by reason.
      expect(stats.dropped.rate_limited.error).toBe(flooded + 100 - stats.kept.error);
      expect(stats.dropped.sampled.error).toBe(0);
      expect(stats.offered.error).toBe(flooded + 100);
      expect(stats.rateLimits.error!.limited).toBe(stats.dropped.rate_limited.error);
      expect(stats.rateLimits.error!.thinnedTemplates).toBe(1);
      await provider.shutdown();
    });

    it('should keep the flood adjusted count from sampling.threshold within 10%', async () => {
      const { exporter, provider, flooded } = await flood();
      let adjusted = 0;
      for (const r of exporter.records) if (isFlood(r)) adjusted += weight(r);
      expect(Math.abs(adjusted - flooded) / flooded).toBeLessThan(0.1);
      await provider.shutdown();
    });

    it('should write one summary per thinned interval with the template and its counts', async () => {
      const { exporter, processor, provider, flooded } = await flood();
      const summaries = exporter.records.filter(isSummary);
      expect(summaries.length).toBeGreaterThanOrEqual(3);
      let seen = 0;
      let kept = 0;
      for (const s of summaries) {
        const a = s.attributes;
        expect(a['spillway.thinned.template']).toBe(FLOOD_SHAPE);
        expect(a['spillway.thinned.severity_class']).toBe('error');
        expect(['interval', 'flush']).toContain(a['spillway.thinned.reason']);
        expect(s.body).toBe(
          `thinned template: ${a['spillway.thinned.seen']} seen, ${a['spillway.thinned.kept']} kept`,
        );
        expect(s.severityNumber).toBe(SEV.info);
        expect(s.instrumentationScope.name).toBe('sampling-test');
        seen += a['spillway.thinned.seen'] as number;
        kept += a['spillway.thinned.kept'] as number;
      }
      // The summaries account for every flood record: seen all, kept what reached the exporter.
      expect(seen).toBe(flooded);
      expect(kept).toBe(exporter.records.filter(isFlood).length);
      const stats = processor.getStats();
      expect(stats.summaries).toBe(summaries.length);
      expect(seen - kept).toBe(stats.dropped.rate_limited.error);
      await provider.shutdown();
    });

    it('should keep or drop the records of one trace together for one template', async () => {
      const { provider, processor, logger, exporter } = setupProvider(OPTIONS);
      const traces: string[] = [];
      for (let step = 0; step < 300; step++) {
        for (let t = 0; t < 5; t++) {
          const sc = randomSpanContext();
          if (step >= 100) traces.push(sc.traceId);
          for (let i = 0; i < 4; i++) {
            logger.emit({
              severityNumber: SEV.error,
              body: floodBody(i),
              context: contextWith(sc),
            });
          }
        }
        await vi.advanceTimersByTimeAsync(10);
      }
      await provider.forceFlush();
      const perTrace = new Map<string, { kept: number; floor: number }>();
      for (const r of exporter.records) {
        if (!isFlood(r)) continue;
        const id = r.spanContext!.traceId;
        const e = perTrace.get(id) ?? { kept: 0, floor: 0 };
        e.kept++;
        // The floor's records (the first 5 of an interval) are kept whatever their trace.
        if (r.attributes['sampling.threshold'] === undefined) e.floor++;
        perTrace.set(id, e);
      }
      const thinned = traces.filter((id) => (perTrace.get(id)?.floor ?? 0) === 0);
      expect(thinned.length).toBeGreaterThan(500);
      const counts = thinned.map((id) => perTrace.get(id)?.kept ?? 0);
      expect(counts.filter((n) => n === 4).length).toBeGreaterThan(0);
      expect(counts.every((n) => n === 0 || n === 4)).toBe(true);
      expect(processor.getStats().dropped.rate_limited.error).toBeGreaterThan(0);
      await provider.shutdown();
    });

    it('should bound the key table at 4,096 templates and count evictions', async () => {
      const { provider, processor, logger } = setupProvider(OPTIONS);
      for (let i = 0; i < 5000; i++) {
        logger.emit({ severityNumber: SEV.error, body: 'x', eventName: `event.${i}.kind` });
      }
      const stats = processor.getStats();
      expect(stats.templates).toEqual({ size: 4096, maxSize: 4096, evictions: 904 });
      // Keys arriving faster than any share can be given are thinned as a class, and counted.
      expect(stats.kept.error + stats.dropped.rate_limited.error).toBe(5000);
      expect(stats.kept.error).toBeLessThan(5000);
      await provider.shutdown();
    });

    it('should count each record once when enabled() refused it and onEmit thins others', async () => {
      // A second processor that says yes to everything: the SDK then calls our onEmit for the
      // records our enabled() refused (sampled), besides those it let through to be thinned.
      const processor = new SamplingLogRecordProcessor({
        exporter: new CollectingExporter(),
        ...OPTIONS,
        ratios: { warn: 0.5 },
        rateLimits: { warn: 200 },
      });
      const provider = new LoggerProvider({
        resource: resourceFromAttributes({ 'service.name': 'sampling-test' }),
        processors: [
          processor,
          {
            enabled: () => true,
            onEmit() {},
            forceFlush: async () => {},
            shutdown: async () => {},
          },
        ],
      });
      const logger = provider.getLogger('sampling-test');
      for (let step = 0; step < 100; step++) {
        for (let i = 0; i < 50; i++) {
          logger.emit({
            severityNumber: SEV.warn,
            body: floodBody(i),
            context: contextWith(randomSpanContext()),
          });
        }
        await vi.advanceTimersByTimeAsync(10);
      }
      const s = processor.getStats();
      expect(s.dropped.sampled.warn).toBeGreaterThan(0);
      expect(s.dropped.rate_limited.warn).toBeGreaterThan(0);
      expect(s.offered.warn).toBe(5000);
      expect(s.kept.warn + s.dropped.sampled.warn + s.dropped.rate_limited.warn).toBe(5000);
      await provider.shutdown();
    });

    it('should not thin a class without a rate limit', async () => {
      const { provider, processor, logger } = setupProvider({
        ...OPTIONS,
        rateLimits: { error: 0 },
      });
      for (let i = 0; i < 3000; i++) logger.emit({ severityNumber: SEV.error, body: floodBody(i) });
      expect(processor.getStats().kept.error).toBe(3000);
      expect(processor.getStats().templates.size).toBe(0);
      await provider.shutdown();
    });
  });
});
