// FailoverLogRecordExporter: which target each batch goes to, and what export() answers.
import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { FailoverLogRecordExporter } from '../src/failover-log-record-exporter';
import { setup } from './failover-harness';
import { Batches, exportBatch, ids, KnobExporter, onCleanup, tally } from './helpers';

describe('FailoverLogRecordExporter', () => {
  describe('export', () => {
    it('should send every batch to the primary while it is healthy', async () => {
      const { receiver, failover, send, fallbackIds } = await setup();
      for (let i = 0; i < 3; i++) expect((await send()).code).toBe(0);
      expect(ids(receiver.records)).toEqual([...Array(30).keys()]);
      expect(fallbackIds()).toEqual([]);
      expect(failover.getStats().targets[0]).toMatchObject({
        name: 'otlp',
        state: 'closed',
        batchesSent: 3,
        recordsSent: 30,
      });
    });

    it('should write to the fallback when the receiver is down and open the circuit after failureThreshold failures', async () => {
      const { receiver, failover, send, sent, fallbackIds } = await setup();
      await receiver.stop();
      for (let i = 0; i < 6; i++) expect((await send()).code).toBe(0);
      const [primary, fallback] = failover.getStats().targets;
      expect(primary).toMatchObject({
        state: 'open',
        consecutiveFailures: 3,
        batchesFailed: 3,
        opens: 1,
      });
      expect(primary?.lastError?.class).toBe('transient');
      expect(primary?.nextRetryAt).toBeGreaterThan(Date.now());
      expect(fallback).toMatchObject({ state: 'closed', batchesSent: 6 });
      expect(tally(fallbackIds(), sent())).toEqual({ missing: [], duplicates: 0 });
    });

    it('should open the circuit on UNAVAILABLE answers', async () => {
      const { receiver, failover, send, sent, fallbackIds } = await setup();
      receiver.failNext(3, status.UNAVAILABLE);
      for (let i = 0; i < 3; i++) await send();
      expect(failover.getStats().targets[0]).toMatchObject({ state: 'open', batchesRejected: 0 });
      await send();
      expect(receiver.requestCount).toBe(3);
      expect(tally(fallbackIds(), sent())).toEqual({ missing: [], duplicates: 0 });
    });

    it('should keep the circuit closed on INVALID_ARGUMENT and send those batches to the next target', async () => {
      const { receiver, failover, send, sent, everywhere, fallbackIds } = await setup();
      receiver.failNext(5, status.INVALID_ARGUMENT);
      for (let i = 0; i < 6; i++) expect((await send()).code).toBe(0);
      const primary = failover.getStats().targets[0];
      expect(primary).toMatchObject({
        state: 'closed',
        consecutiveFailures: 0,
        batchesFailed: 5,
        batchesRejected: 5,
        batchesSent: 1,
      });
      expect(primary?.lastError?.class).toBe('batch');
      expect(fallbackIds()).toHaveLength(50);
      expect(ids(receiver.records)).toEqual([...Array(10).keys()].map((i) => 50 + i));
      expect(tally(everywhere(), sent())).toEqual({ missing: [], duplicates: 0 });
    });

    it('should report FAILED only when every target failed', async () => {
      const { receiver, fallback, failover, send } = await setup();
      await receiver.stop();
      expect((await send()).code).toBe(0);
      await fallback.shutdown();
      const result = await send();
      expect(result.code).toBe(1);
      expect(result.error?.message).toMatch(
        /every target failed.*otlp.*memory: Exporter has been stopped/,
      );
      expect(failover.getStats()).toMatchObject({
        batches: { exported: 1, failed: 1 },
        records: { exported: 10, failed: 10 },
      });
    });

    it('should still offer the batch to the last target when every circuit is open', async () => {
      const primary = new KnobExporter();
      const fallback = new KnobExporter();
      primary.failWith = Object.assign(new Error('14 UNAVAILABLE: down'), { code: 14 });
      fallback.failWith = Object.assign(new Error('ENOSPC: no space left on device'), {
        code: 'ENOSPC',
      });
      const failover = new FailoverLogRecordExporter({
        exporters: [primary, fallback],
        failureThreshold: 1,
      });
      onCleanup(() => failover.shutdown());
      const batches = new Batches();
      expect((await exportBatch(failover, batches.next(3))).code).toBe(1);
      expect(failover.getStats().targets.map((t) => t.state)).toEqual(['open', 'open']);
      fallback.failWith = undefined;
      expect((await exportBatch(failover, batches.next(3))).code).toBe(0);
      expect(fallback.received).toHaveLength(3);
    });
  });
});
