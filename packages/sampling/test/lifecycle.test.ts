import { getHeapStatistics } from 'node:v8';
import { loggingErrorHandler, setGlobalErrorHandler } from '@opentelemetry/core';
import type { ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  SamplingLogRecordProcessor,
  type SamplingLogRecordProcessorOptions,
} from '@spillway/sampling';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import pkg from '../package.json' with { type: 'json' };
import { CollectingExporter, contextWith, randomSpanContext, SEV, setupProvider } from './helpers';

const ALL: Partial<SamplingLogRecordProcessorOptions> = {
  ratios: { trace: 1, debug: 1, info: 1, warn: 1, error: 1 },
  rateLimits: { warn: 0, error: 0 },
  traceSilenceAfter: 0,
};

let errors: unknown[] = [];
beforeEach(() => {
  errors = [];
  setGlobalErrorHandler((e) => errors.push(e));
});
afterEach(() => {
  setGlobalErrorHandler(loggingErrorHandler());
  vi.useRealTimers();
});

class CollectingMetricReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

describe('SamplingLogRecordProcessor', () => {
  describe('constructor', () => {
    it('should take the batch processor defaults', () => {
      const p = new SamplingLogRecordProcessor({ exporter: new CollectingExporter() });
      const stats = p.getStats();
      // The byte bound defaults to a quarter of the V8 heap limit, so the count bound is the one a
      // migrating user meets (as with the SDK's processor, which has no byte bound).
      const heapQuarter = Math.floor(getHeapStatistics().heap_size_limit / 4);
      expect(stats.queue).toMatchObject({
        maxSize: 2048,
        maxBytes: Math.max(8 * 2 ** 20, heapQuarter),
      });
      expect(stats.ratios).toEqual({
        trace: 0.001,
        debug: 0.001,
        info: 0.001,
        warn: 0.1,
        error: 1,
        fatal: 1,
      });
      expect(stats.rateLimits.warn!.limit).toBe(1000);
      expect(stats.rateLimits.error!.limit).toBe(1000);
    });

    it('should reject bad options with a RangeError naming the value', () => {
      const exporter = new CollectingExporter();
      expect(() => new SamplingLogRecordProcessor({ exporter, ratios: { info: 2 } })).toThrow(
        /info.*2/,
      );
      expect(
        () => new SamplingLogRecordProcessor({ exporter, ratios: { inf: 1 } as never }),
      ).toThrow(/unknown severity class "inf"/);
      expect(
        () => new SamplingLogRecordProcessor({ exporter, noTraceContext: 'sometimes' as never }),
      ).toThrow(RangeError);
      expect(() => new SamplingLogRecordProcessor({ exporter, traceSilenceAfter: -1 })).toThrow(
        RangeError,
      );
      expect(() => new SamplingLogRecordProcessor({ exporter, rateLimits: { warn: -5 } })).toThrow(
        RangeError,
      );
    });
  });

  describe('onEmit', () => {
    it('should export a partial batch after scheduledDelayMillis, not before', async () => {
      vi.useFakeTimers();
      const { logger, exporter } = setupProvider({ ...ALL, scheduledDelayMillis: 1000 });
      logger.emit({ severityNumber: SEV.info, body: 'x' });
      await vi.advanceTimersByTimeAsync(999);
      expect(exporter.calls).toBe(0);
      await vi.advanceTimersByTimeAsync(1);
      expect(exporter.records).toHaveLength(1);
    });

    it('should never throw, even for a broken record', () => {
      const { processor } = setupProvider(ALL);
      const broken = {
        get severityNumber(): number {
          throw new Error('broken record');
        },
      } as unknown as ReadWriteLogRecord;
      expect(() => processor.onEmit(broken)).not.toThrow();
      expect(errors).toHaveLength(1);
    });
  });

  describe('forceFlush', () => {
    it('should export everything queued, in batches, then flush the exporter', async () => {
      const { provider, logger, exporter, processor } = setupProvider({
        ...ALL,
        maxExportBatchSize: 100,
        scheduledDelayMillis: 60_000,
      });
      exporter.delayMs = 2;
      for (let i = 0; i < 1050; i++) logger.emit({ severityNumber: SEV.info, body: `${i}` });
      await processor.forceFlush();
      expect(exporter.records.map((r) => r.body)).toEqual(
        Array.from({ length: 1050 }, (_, i) => `${i}`),
      );
      expect(exporter.calls).toBe(11);
      expect(exporter.flushes).toBeGreaterThan(0);
      await provider.shutdown();
    });
  });

  describe('shutdown', () => {
    it('should flush, shut the exporter down once, and ignore later records', async () => {
      const { logger, exporter, processor } = setupProvider({
        ...ALL,
        scheduledDelayMillis: 60_000,
      });
      logger.emit({ severityNumber: SEV.info, body: 'x' });
      await Promise.all([processor.shutdown(), processor.shutdown()]);
      await processor.shutdown();
      expect(exporter.shutdowns).toBe(1);
      expect(exporter.records).toHaveLength(1);
      logger.emit({ severityNumber: SEV.error, body: 'late' });
      expect(processor.enabled({ severityNumber: SEV.error })).toBe(false);
      await processor.forceFlush();
      expect(exporter.records).toHaveLength(1);
    });
  });

  describe('export errors', () => {
    it('should count failed batches as export_failed by class and report to the global handler', async () => {
      const { logger, exporter, processor } = setupProvider({
        ...ALL,
        scheduledDelayMillis: 60_000,
      });
      exporter.failNext = 1;
      logger.emit({ severityNumber: SEV.info, body: 'a' });
      logger.emit({ severityNumber: SEV.error, body: 'b' });
      await processor.forceFlush();
      logger.emit({ severityNumber: SEV.info, body: 'c' });
      await processor.forceFlush();
      const stats = processor.getStats();
      expect(stats.dropped.export_failed).toMatchObject({ info: 1, error: 1, total: 2 });
      expect(stats.exported.total).toBe(1);
      expect(errors.map((e) => (e as Error).message)).toEqual(['injected export failure']);
    });

    it('should count an export that never calls back as failed after exportTimeoutMillis', async () => {
      vi.useFakeTimers();
      const { logger, exporter, processor } = setupProvider({
        ...ALL,
        scheduledDelayMillis: 100,
        exportTimeoutMillis: 5000,
      });
      exporter.hang = true;
      logger.emit({ severityNumber: SEV.warn, body: 'x' });
      await vi.advanceTimersByTimeAsync(100);
      expect(processor.getStats().queue.inFlight).toBe(1);
      await vi.advanceTimersByTimeAsync(5000);
      expect(processor.getStats().dropped.export_failed.warn).toBe(1);
      expect(processor.getStats().queue.inFlight).toBe(0);
      expect(String(errors[0])).toMatch(/timed out after 5000 ms/);
    });
  });

  describe('updatePolicy', () => {
    it('should swap ratios, limits and silencing at once', async () => {
      const { logger, processor } = setupProvider({ ...ALL, ratios: { ...ALL.ratios, info: 0 } });
      const context = contextWith(randomSpanContext());
      logger.emit({ severityNumber: SEV.info, body: 'x', context });
      processor.updatePolicy({
        ratios: { info: 1 },
        rateLimits: { info: 500 },
        traceSilenceAfter: 1,
      });
      logger.emit({ severityNumber: SEV.info, body: 'x', context });
      logger.emit({ severityNumber: SEV.info, body: 'x', context });
      const stats = processor.getStats();
      expect(stats.dropped.sampled.info).toBe(1);
      expect(stats.kept.info).toBe(1);
      expect(stats.dropped.silenced.info).toBe(1);
      expect(stats.rateLimits.info!.limit).toBe(500);
      expect(stats.ratios.warn).toBe(1);
    });

    it('should change nothing when any part is invalid', () => {
      const { processor } = setupProvider({ ...ALL, ratios: { ...ALL.ratios, info: 0.5 } });
      expect(() =>
        processor.updatePolicy({ ratios: { info: 0.1 }, traceSilenceAfter: 1.5 }),
      ).toThrow(RangeError);
      expect(() => processor.updatePolicy({ ratios: { info: 0.1, warn: -1 } })).toThrow(RangeError);
      expect(processor.getStats().ratios.info).toBe(0.5);
      expect(processor.getStats().ratios.warn).toBe(1);
    });
  });

  describe('getStats', () => {
    it('should account for every record: offered = kept + policy drops; kept = delivered + lost', async () => {
      const exporter = new CollectingExporter();
      exporter.delayMs = 1;
      const { logger, processor } = setupProvider(
        { maxQueueSize: 300, maxExportBatchSize: 100, traceSilenceAfter: 3 },
        exporter,
      );
      exporter.failNext = 2;
      const severities = [SEV.trace, SEV.debug, SEV.info, SEV.warn, SEV.error, SEV.fatal];
      for (let i = 0; i < 30_000; i++) {
        const context = i % 10 === 0 ? undefined : contextWith(randomSpanContext());
        logger.emit({ severityNumber: severities[i % 6]!, body: 'x', context });
      }
      await processor.shutdown();
      const s = processor.getStats();
      expect(s.offered.total).toBe(30_000);
      expect(s.offered.total + s.summaries).toBe(
        s.kept.total +
          s.dropped.sampled.total +
          s.dropped.rate_limited.total +
          s.dropped.silenced.total,
      );
      expect(s.kept.total).toBe(
        s.exported.total +
          s.dropped.queue_full.total +
          s.dropped.export_failed.total +
          s.queue.size +
          s.queue.inFlight,
      );
      expect(s.exported.total).toBe(exporter.records.length);
      expect(s.dropped.rate_limited.error).toBeGreaterThan(0);
      expect(s.dropped.export_failed.total).toBeGreaterThan(0);
    });
  });

  describe('meterProvider', () => {
    it('should publish the counts as OTel metrics', async () => {
      const reader = new CollectingMetricReader();
      const meterProvider = new MeterProvider({ readers: [reader] });
      const { logger, processor } = setupProvider({ ratios: { info: 0 }, meterProvider });
      for (let i = 0; i < 10; i++) logger.emit({ severityNumber: SEV.info, body: 'x' });
      logger.emit({ severityNumber: SEV.error, body: 'e' });
      await processor.forceFlush();
      const { resourceMetrics } = await reader.collect();
      const metrics = new Map(
        resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).map((m) => [m.descriptor.name, m]),
      );
      const processed = metrics.get('otel.sdk.processor.log.processed')!;
      const point = (errorType: string | undefined, cls: string) =>
        processed.dataPoints.find(
          (d) =>
            d.attributes['error.type'] === errorType &&
            d.attributes['spillway.severity_class'] === cls,
        )?.value;
      expect(point('sampled', 'info')).toBe(10);
      expect(point(undefined, 'error')).toBe(1);
      expect(metrics.get('otel.sdk.processor.log.queue.capacity')!.dataPoints[0]!.value).toBe(2048);
      expect(metrics.has('otel.sdk.processor.log.queue.size')).toBe(true);
      expect(metrics.has('spillway.sampling.effective_ratio')).toBe(true);
      const dropped = metrics.get('spillway.log_record.dropped')!;
      expect(dropped.dataPoints.map((d) => [d.attributes['error.type'], d.value])).toEqual([
        ['sampled', 10],
      ]);
      for (const d of processed.dataPoints) {
        expect(d.attributes['otel.component.type']).toBe('spillway.sampling_processor');
        expect(d.attributes['otel.component.name']).toMatch(/^spillway\.sampling_processor\/\d+$/);
      }
      expect(resourceMetrics.scopeMetrics[0]!.scope).toMatchObject({
        name: pkg.name,
        version: pkg.version,
      });
      await processor.shutdown();
      await meterProvider.shutdown();
    });

    it('should unregister its metrics on shutdown', async () => {
      // Delta temporality: once the callback is gone, a collection has no points at all.
      const reader = new CollectingMetricReader({
        aggregationTemporalitySelector: () => AggregationTemporality.DELTA,
      });
      const meterProvider = new MeterProvider({ readers: [reader] });
      const { logger, processor } = setupProvider({ meterProvider });
      logger.emit({ severityNumber: SEV.info, body: 'x' });
      await processor.forceFlush();
      const before = await reader.collect();
      expect(before.resourceMetrics.scopeMetrics.flatMap((m) => m.metrics).length).toBeGreaterThan(
        0,
      );
      await processor.shutdown();
      const after = await reader.collect();
      expect(after.resourceMetrics.scopeMetrics.flatMap((m) => m.metrics)).toEqual([]);
      await meterProvider.shutdown();
    });
  });
});
