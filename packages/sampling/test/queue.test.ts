import type { SamplingLogRecordProcessorOptions } from '@spillway/sampling';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  CollectingExporter,
  contextWith,
  randomSpanContext,
  SEV,
  SyncCollectingExporter,
  setupProvider,
} from './helpers';

const ALL: Partial<SamplingLogRecordProcessorOptions> = {
  ratios: { trace: 1, debug: 1, info: 1, warn: 1, error: 1 },
  rateLimits: { warn: 0, error: 0 },
  traceSilenceAfter: 0,
};

afterEach(() => {
  vi.useRealTimers();
});

describe('SamplingLogRecordProcessor', () => {
  describe('queue', () => {
    it('should keep every ERROR while flooded with INFO, counting what overflowed', async () => {
      const exporter = new CollectingExporter();
      exporter.delayMs = 5;
      const { provider, processor, logger } = setupProvider(
        { ...ALL, maxQueueSize: 500, maxExportBatchSize: 50 },
        exporter,
      );
      // 20k records in one synchronous burst: one export can start, the queue (500) holds the rest.
      let errors = 0;
      for (let i = 0; i < 20_000; i++) {
        const error = i % 97 === 0;
        if (error) errors++;
        logger.emit({
          severityNumber: error ? SEV.error : i % 3 === 0 ? SEV.debug : SEV.info,
          body: error ? 'error' : 'noise',
          context: contextWith(randomSpanContext()),
        });
      }
      await provider.forceFlush();
      const stats = processor.getStats();
      expect(exporter.records.filter((r) => r.body === 'error')).toHaveLength(errors);
      expect(stats.exported.error).toBe(errors);
      expect(stats.dropped.queue_full.error).toBe(0);
      expect(stats.dropped.queue_full.total).toBeGreaterThan(10_000);
      // Debug goes first: a higher class evicts the lowest one queued.
      expect(stats.dropped.queue_full.debug).toBeGreaterThan(0);
      // Every record accounted for.
      expect(stats.kept.total).toBe(
        stats.exported.total + stats.dropped.queue_full.total + stats.dropped.export_failed.total,
      );
      expect(stats.exported.total).toBe(exporter.records.length);
      await provider.shutdown();
    });

    it('should refuse a record when only equal or higher classes are queued', async () => {
      // A full batch exports at once; the exporter holds it, so the queue stays full.
      const exporter = new CollectingExporter();
      exporter.hang = true;
      const { processor, logger } = setupProvider(
        { ...ALL, maxQueueSize: 10, maxExportBatchSize: 10, scheduledDelayMillis: 60_000 },
        exporter,
      );
      for (let i = 0; i < 10; i++) logger.emit({ severityNumber: SEV.error, body: 'e' });
      for (let i = 0; i < 15; i++) logger.emit({ severityNumber: SEV.warn, body: 'w' });
      for (let i = 0; i < 10; i++) logger.emit({ severityNumber: SEV.error, body: 'e' });
      const stats = processor.getStats();
      expect(stats.queue.size).toBe(10);
      expect(stats.queue.inFlight).toBe(10);
      expect(stats.dropped.queue_full).toMatchObject({ warn: 15, error: 0 });
      for (let i = 0; i < 5; i++) logger.emit({ severityNumber: SEV.error, body: 'e' });
      expect(processor.getStats().dropped.queue_full.error).toBe(5);
    });

    it('should bound the queue by estimated bytes', async () => {
      const exporter = new CollectingExporter();
      exporter.hang = true;
      const { processor, logger } = setupProvider(
        { ...ALL, maxQueueBytes: 10_000, scheduledDelayMillis: 60_000 },
        exporter,
      );
      const big = 'x'.repeat(1000);
      for (let i = 0; i < 50; i++) logger.emit({ severityNumber: SEV.info, body: big });
      const stats = processor.getStats();
      expect(stats.queue.bytes).toBeLessThanOrEqual(10_000);
      expect(stats.queue.size).toBeGreaterThan(5);
      expect(stats.queue.size).toBeLessThan(10);
      expect(stats.dropped.queue_full.info).toBe(50 - stats.queue.size);
    });
  });

  describe('FATAL', () => {
    it('should hand the queue and the FATAL record to exportSync before onEmit returns', () => {
      const exporter = new SyncCollectingExporter();
      const { logger, processor } = setupProvider(
        { ...ALL, scheduledDelayMillis: 60_000 },
        exporter,
      );
      for (let i = 0; i < 5; i++) logger.emit({ severityNumber: SEV.info, body: `i${i}` });
      logger.emit({ severityNumber: SEV.fatal, body: 'dying' });
      expect(exporter.syncRecords.map((r) => r.body)).toEqual([
        'i0',
        'i1',
        'i2',
        'i3',
        'i4',
        'dying',
      ]);
      expect(exporter.calls).toBe(0);
      const stats = processor.getStats();
      expect(stats.exported).toMatchObject({ info: 5, fatal: 1 });
      expect(stats.queue.size).toBe(0);
    });

    it('should count a failing exportSync as export_failed and still not throw', () => {
      const exporter = new SyncCollectingExporter();
      exporter.syncFail = true;
      const { logger, processor } = setupProvider(ALL, exporter);
      expect(() => logger.emit({ severityNumber: SEV.fatal, body: 'f' })).not.toThrow();
      expect(processor.getStats().dropped.export_failed.fatal).toBe(1);
    });

    it('should start exporting at once without exportSync', async () => {
      vi.useFakeTimers();
      const { logger, exporter, processor } = setupProvider({
        ...ALL,
        scheduledDelayMillis: 60_000,
      });
      for (let i = 0; i < 3; i++) logger.emit({ severityNumber: SEV.info, body: `i${i}` });
      logger.emit({ severityNumber: SEV.fatal, body: 'dying' });
      await vi.advanceTimersByTimeAsync(0);
      expect(exporter.records.map((r) => r.body)).toEqual(['i0', 'i1', 'i2', 'dying']);
      expect(processor.getStats().exported.total).toBe(4);
    });
  });

  describe('flushSync', () => {
    it('should hand the whole queue to exportSync synchronously', () => {
      const exporter = new SyncCollectingExporter();
      const { logger, processor } = setupProvider(
        { ...ALL, scheduledDelayMillis: 60_000 },
        exporter,
      );
      for (let i = 0; i < 700; i++) logger.emit({ severityNumber: SEV.info, body: 'x' });
      // 512 went out as a full batch; the rest is queued.
      processor.flushSync();
      expect(exporter.syncRecords).toHaveLength(700 - 512);
      expect(processor.getStats().queue.size).toBe(0);
    });

    it('should do nothing without exportSync', () => {
      const { logger, processor } = setupProvider({ ...ALL, scheduledDelayMillis: 60_000 });
      logger.emit({ severityNumber: SEV.info, body: 'x' });
      processor.flushSync();
      expect(processor.getStats().queue.size).toBe(1);
    });
  });
});
