// LogRecordProcessor conformance (see blrp-conformance-harness.ts): options and self-observability.
import { ExportResultCode } from '@opentelemetry/core';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import {
  CollectingMetricReader,
  captureDiagnostics,
  conformanceSetup,
  KnobExporter,
  macrotask,
  PROCESSORS,
} from './blrp-conformance-harness';

const { errors, warnings } = captureDiagnostics();

describe.each(PROCESSORS)('%s (LogRecordProcessor conformance)', (_name, make) => {
  const { setup, ids } = conformanceSetup(make);

  describe('options', () => {
    it.each([
      ['scheduledDelayMillis: 0', { scheduledDelayMillis: 0 }],
      ['exportTimeoutMillis: 0', { exportTimeoutMillis: 0 }],
      ['maxQueueSize: 0', { maxQueueSize: 0 }],
      ['maxExportBatchSize > maxQueueSize', { maxExportBatchSize: 100, maxQueueSize: 10 }],
    ] as const)('should accept %s without throwing', (_label, options) => {
      expect(() => make(new KnobExporter(), options)).not.toThrow();
    });

    it('should export a partial batch at the next timer turn with scheduledDelayMillis 0', async () => {
      const { exporter, emit } = setup({ scheduledDelayMillis: 0 });
      emit(2);
      expect(exporter.calls).toBe(0);
      await exporter.exported(2);
      expect(ids(exporter)).toEqual([0, 1]);
    });

    it('should time out an export answered later with exportTimeoutMillis 0', async () => {
      const exporter = new KnobExporter('later');
      exporter.delayMs = 20;
      const { processor, emit } = setup({ exportTimeoutMillis: 0 }, exporter);
      emit(1);
      await processor.forceFlush();
      expect(errors).toHaveLength(1);
      expect(errors[0]!.message).toMatch(/time/i);
    });

    it('should keep nothing in the queue with maxQueueSize 0 (an exporter without exportSync)', async () => {
      const { processor, exporter, emit } = setup({ maxQueueSize: 0 });
      emit(5);
      await processor.forceFlush();
      expect(exporter.records).toHaveLength(0);
    });

    it('should warn and cap maxExportBatchSize to maxQueueSize', async () => {
      const { processor, exporter, emit } = setup({ maxExportBatchSize: 100, maxQueueSize: 10 });
      expect(warnings.some((w) => /maxExportBatchSize/.test(w))).toBe(true);
      emit(10);
      await exporter.exported(10);
      expect(exporter.calls).toBe(1);
      await processor.shutdown();
    });
  });

  describe('selfObsMeterProvider', () => {
    it('should count exported and queue_full records in otel.sdk.processor.log.processed', async () => {
      const reader = new CollectingMetricReader();
      const meterProvider = new MeterProvider({ readers: [reader] });
      const exporter = new KnobExporter('held');
      const { processor, emit } = setup(
        { maxExportBatchSize: 5, maxQueueSize: 6, selfObsMeterProvider: meterProvider },
        exporter,
      );
      emit(50);
      await macrotask();
      exporter.held[0]!({ code: ExportResultCode.SUCCESS });
      await macrotask();
      exporter.held[1]!({ code: ExportResultCode.SUCCESS });
      exporter.mode = 'now';
      await processor.forceFlush();
      // 5 exported, 6 queued behind the export in flight, 39 refused.
      expect(exporter.records).toHaveLength(11);
      const { resourceMetrics } = await reader.collect();
      const metrics = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
      const processed = metrics.find(
        (m) => m.descriptor.name === 'otel.sdk.processor.log.processed',
      )!;
      const sum = (errorType: string | undefined) =>
        processed.dataPoints
          .filter((p) => p.attributes['error.type'] === errorType)
          .reduce((n, p) => n + (p.value as number), 0);
      expect(sum('queue_full')).toBe(39);
      expect(sum(undefined)).toBe(11);
      const capacity = metrics.find(
        (m) => m.descriptor.name === 'otel.sdk.processor.log.queue.capacity',
      )!;
      expect(capacity.dataPoints[0]!.value).toBe(6);
    });
  });
});
