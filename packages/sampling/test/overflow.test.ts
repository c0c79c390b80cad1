import { type ExportResult, ExportResultCode, setGlobalErrorHandler } from '@opentelemetry/core';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { SamplingLogRecordProcessorOptions } from '@spillway/sampling';
import { beforeEach, describe, expect, it } from 'vitest';
import { CollectingExporter, SEV, setupProvider } from './helpers';

const ALL: Partial<SamplingLogRecordProcessorOptions> = {
  ratios: { trace: 1, debug: 1, info: 1, warn: 1, error: 1 },
  rateLimits: { warn: 0, error: 0 },
  traceSilenceAfter: 0,
};

/**
 * Records the ids of every record in the order they reach it, through `export` (answered after
 * `delayMs`, or held until `release()`) and `exportSync` alike: the order a WAL would store them.
 */
class OrderedExporter extends CollectingExporter {
  readonly arrivals: number[] = [];
  readonly syncCalls: number[] = [];
  syncThrows = false;
  hold = false;
  private readonly heldCallbacks: (() => void)[] = [];

  override export(records: ReadableLogRecord[], done: (r: ExportResult) => void): void {
    for (const r of records) this.arrivals.push(r.attributes.i as number);
    if (!this.hold) {
      super.export(records, done);
      return;
    }
    this.calls++;
    this.heldCallbacks.push(() => {
      this.records.push(...records);
      done({ code: ExportResultCode.SUCCESS });
    });
  }

  exportSync(records: ReadableLogRecord[]): void {
    if (this.syncThrows) throw new Error('injected exportSync failure');
    this.syncCalls.push(records.length);
    for (const r of records) {
      this.arrivals.push(r.attributes.i as number);
      this.syncRecords.push(r);
    }
  }

  release(): void {
    this.hold = false;
    for (const cb of this.heldCallbacks.splice(0)) cb();
  }
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
let errors: Error[] = [];
beforeEach(() => {
  errors = [];
  setGlobalErrorHandler((e) => errors.push(e as Error));
});

describe('SamplingLogRecordProcessor', () => {
  describe('overflow to exportSync', () => {
    function setup(options: Partial<SamplingLogRecordProcessorOptions> = {}) {
      const exporter = new OrderedExporter();
      exporter.hold = true;
      const s = setupProvider({ ...ALL, ...options }, exporter);
      const emit = (n: number, severityNumber: number = SEV.info, from = 0) => {
        for (let i = from; i < from + n; i++)
          s.logger.emit({ severityNumber, body: `record ${i}`, attributes: { i } });
      };
      return { ...s, exporter, emit };
    }

    it('should hand a full queue to exportSync a batch at a time, in order, dropping nothing', async () => {
      const { processor, exporter, emit } = setup();
      emit(50_000);
      const stats = processor.getStats();
      expect(stats.dropped.queue_full.total).toBe(0);
      // One batch in flight (held), the queue, the rest spilled a full queue (2,048) at a time.
      expect(stats.queue.inFlight).toBe(512);
      expect(stats.queue.size).toBe((50_000 - 512) % 2048);
      expect(stats.spilled.total).toBe(50_000 - 512 - stats.queue.size);
      expect(exporter.syncCalls).toEqual(Array(Math.floor((50_000 - 512) / 2048)).fill(2048));
      expect(stats.spillWrites).toBe(exporter.syncCalls.length);
      exporter.release();
      await processor.forceFlush();
      // The batch in flight reached the exporter before the first spill: arrival order is emit order.
      expect(exporter.arrivals).toEqual(range(50_000));
      const after = processor.getStats();
      expect(after.exported.total).toBe(50_000);
      expect(after.kept.total).toBe(50_000);
    });

    it('should spill at the byte bound too, and keep the order of each class', async () => {
      const { processor, exporter, logger } = setup({ maxQueueBytes: 64 * 1024 });
      const body = 'x'.repeat(1000);
      for (let i = 0; i < 600; i++) {
        const severityNumber = i % 3 === 0 ? SEV.error : SEV.info;
        logger.emit({ severityNumber, body, attributes: { i } });
      }
      expect(processor.getStats().queue.bytes).toBeLessThanOrEqual(64 * 1024);
      exporter.release();
      await processor.forceFlush();
      expect(processor.getStats().dropped.queue_full.total).toBe(0);
      expect(exporter.arrivals).toEqual(range(600));
    });

    it('should hand every record over at once with maxQueueSize 0', async () => {
      const { processor, exporter, emit } = setup({ maxQueueSize: 0 });
      emit(10);
      expect(exporter.syncCalls).toEqual(Array(10).fill(1));
      expect(processor.getStats().spilled.total).toBe(10);
      await processor.forceFlush();
      expect(exporter.calls).toBe(0);
    });

    it('should count queue_full, and report the error, when exportSync throws', async () => {
      const { processor, exporter, emit } = setup({ maxQueueSize: 100, maxExportBatchSize: 10 });
      exporter.syncThrows = true;
      emit(300);
      exporter.release();
      await processor.forceFlush();
      const stats = processor.getStats();
      // 10 in flight, then the queue (100) spilled twice, both times refused; the last 90 queued.
      expect(stats.exported.total).toBe(100);
      expect(stats.dropped.queue_full.total).toBe(200);
      expect(stats.spilled.total).toBe(0);
      expect(errors.map((e) => e.message)).toEqual(Array(2).fill('injected exportSync failure'));
      expect(stats.kept.total).toBe(
        stats.exported.total + stats.dropped.queue_full.total + stats.dropped.export_failed.total,
      );
    });
  });

  describe('without exportSync', () => {
    it('should keep 200 queued 100 kB records as the SDK processor does (default byte bound)', async () => {
      // Fewer than a batch and a long delay: all 200 stay queued, as they would in the SDK's.
      const { processor, logger } = setupProvider({ ...ALL, scheduledDelayMillis: 60_000 });
      const body = 'y'.repeat(100_000);
      for (let i = 0; i < 200; i++) logger.emit({ severityNumber: SEV.info, body });
      const stats = processor.getStats();
      expect(stats.dropped.queue_full.total).toBe(0);
      expect(stats.queue.size).toBe(200);
    });

    it('should still evict the lowest class and count queue_full when the queue is full', () => {
      const exporter = new CollectingExporter();
      exporter.hang = true;
      const { processor, logger } = setupProvider(
        { ...ALL, maxQueueSize: 10, maxExportBatchSize: 10 },
        exporter,
      );
      // 10 in flight, 10 queued, 10 refused; then each ERROR evicts the oldest queued INFO.
      for (let i = 0; i < 30; i++) logger.emit({ severityNumber: SEV.info, body: 'i' });
      for (let i = 0; i < 5; i++) logger.emit({ severityNumber: SEV.error, body: 'e' });
      const stats = processor.getStats();
      expect(stats.queue.size).toBe(10);
      expect(stats.dropped.queue_full).toMatchObject({ info: 15, error: 0 });
      expect(stats.spilled.total).toBe(0);
    });
  });
});
