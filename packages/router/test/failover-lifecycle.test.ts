// FailoverLogRecordExporter: bad options at construction, and shutdown.
import { describe, expect, it, vi } from 'vitest';
import { FailoverLogRecordExporter } from '../src/failover-log-record-exporter';
import { Batches, exportBatch, KnobExporter, onCleanup } from './helpers';

describe('FailoverLogRecordExporter', () => {
  describe('constructor', () => {
    it('should warn about a bad option and use its default instead of throwing', async () => {
      const warnings: string[] = [];
      const onWarning = (w: Error) => warnings.push(w.message);
      process.on('warning', onWarning);
      onCleanup(() => {
        process.off('warning', onWarning);
      });
      const primary = new KnobExporter();
      primary.failWith = Object.assign(new Error('14 UNAVAILABLE: down'), { code: 14 });
      const failover = new FailoverLogRecordExporter({
        exporters: [primary, new KnobExporter()],
        failureThreshold: -1,
      });
      onCleanup(() => failover.shutdown());
      const batches = new Batches();
      for (let i = 0; i < 2; i++) await exportBatch(failover, batches.next(1));
      expect(failover.getStats().targets[0]?.state).toBe('closed');
      await exportBatch(failover, batches.next(1));
      expect(failover.getStats().targets[0]?.state).toBe('open');
      await vi.waitFor(() =>
        expect(warnings).toContain(
          'FailoverLogRecordExporter: failureThreshold must be a positive number, got -1; using 3',
        ),
      );
    });
  });

  describe('shutdown', () => {
    it('should be idempotent and fail later exports without throwing', async () => {
      const target = new KnobExporter();
      const failover = new FailoverLogRecordExporter({ exporters: [target] });
      const a = failover.shutdown();
      expect(failover.shutdown()).toBe(a);
      await a;
      const r = await exportBatch(failover, new Batches().next(1));
      expect(r.code).toBe(1);
      expect(r.error?.message).toMatch(/shut down/);
    });
  });
});
