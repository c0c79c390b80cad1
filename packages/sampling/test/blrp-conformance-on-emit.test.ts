// LogRecordProcessor conformance (see blrp-conformance-harness.ts): onEmit, batching and export errors.
import { ExportResultCode } from '@opentelemetry/core';
import { describe, expect, it, vi } from 'vitest';
import {
  captureDiagnostics,
  conformanceSetup,
  KnobExporter,
  macrotask,
  PROCESSORS,
} from './blrp-conformance-harness';

const { errors } = captureDiagnostics();

describe.each(PROCESSORS)('%s (LogRecordProcessor conformance)', (_name, make) => {
  const { setup, ids } = conformanceSetup(make);

  describe('onEmit', () => {
    it('should export at once when maxExportBatchSize records are queued', async () => {
      const { exporter, emit } = setup({ maxExportBatchSize: 5, scheduledDelayMillis: 60_000 });
      emit(4);
      await macrotask();
      expect(exporter.calls).toBe(0);
      emit(1, 4);
      await exporter.exported(5);
      expect(ids(exporter)).toEqual([0, 1, 2, 3, 4]);
    });

    it('should export a partial batch after scheduledDelayMillis, not before', async () => {
      vi.useFakeTimers();
      const { exporter, emit } = setup({ scheduledDelayMillis: 1000 });
      emit(3);
      await vi.advanceTimersByTimeAsync(999);
      expect(exporter.calls).toBe(0);
      await vi.advanceTimersByTimeAsync(1);
      expect(ids(exporter)).toEqual([0, 1, 2]);
    });

    it('should export each record exactly once over many full batches', async () => {
      const { exporter, emit } = setup({ maxExportBatchSize: 10, maxQueueSize: 100 });
      emit(100);
      await exporter.exported(100);
      expect(ids(exporter)).toEqual(Array.from({ length: 100 }, (_, i) => i));
      expect(exporter.calls).toBe(10);
    });

    it('should have a single export in flight at a time', async () => {
      const { exporter, emit } = setup(
        { maxExportBatchSize: 5, maxQueueSize: 100 },
        new KnobExporter('held'),
      );
      emit(15);
      await macrotask();
      expect(exporter.calls).toBe(1);
      exporter.held[0]!({ code: ExportResultCode.SUCCESS });
      await macrotask();
      expect(exporter.calls).toBe(2);
      exporter.held[1]!({ code: ExportResultCode.SUCCESS });
      await macrotask();
      exporter.held[2]!({ code: ExportResultCode.SUCCESS });
      await exporter.exported(15);
      expect(exporter.calls).toBe(3);
    });

    it('should report a failed export to the global error handler, never throw', async () => {
      const { processor, exporter, emit } = setup({}, new KnobExporter('fail'));
      emit(3);
      await expect(processor.forceFlush()).resolves.toBeUndefined();
      expect(exporter.calls).toBe(1);
      expect(errors.map((e) => e.message)).toEqual(['injected failure']);
    });

    it('should report an export not called back within exportTimeoutMillis as an error', async () => {
      const { processor, exporter, emit } = setup(
        { exportTimeoutMillis: 50 },
        new KnobExporter('hang'),
      );
      emit(2);
      const started = performance.now();
      await processor.forceFlush();
      expect(performance.now() - started).toBeGreaterThanOrEqual(45);
      expect(exporter.calls).toBe(1);
      expect(errors).toHaveLength(1);
      expect(errors[0]!.message).toMatch(/time/i);
    });
  });
});
