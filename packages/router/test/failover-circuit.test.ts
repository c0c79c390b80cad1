// FailoverLogRecordExporter: circuits opening on failures and timeouts, probing, closing again.
import { InMemoryLogRecordExporter } from '@opentelemetry/sdk-logs';
import { describe, expect, it } from 'vitest';
import { FailoverLogRecordExporter } from '../src/failover-log-record-exporter';
import { fakeClock, setup } from './failover-harness';
import { Batches, exportBatch, ids, KnobExporter, onCleanup, tally } from './helpers';

describe('FailoverLogRecordExporter', () => {
  describe('export', () => {
    it('should close the circuit after the retry interval once the receiver is back, and deliver new records there', async () => {
      const advance = fakeClock();
      const { receiver, failover, send, sent, everywhere } = await setup();
      await receiver.stop();
      for (let i = 0; i < 4; i++) await send();
      expect(failover.getStats().targets[0]?.state).toBe('open');
      await receiver.start();
      // Before the interval: still open, the primary is not even tried.
      advance(500);
      await send();
      expect(receiver.requestCount).toBe(0);
      // gRPC reconnects with its own backoff (~1 s): a probe may fail and reopen the circuit with a
      // longer delay; keep probing at each retry time until one succeeds.
      for (let i = 0; i < 20 && failover.getStats().targets[0]?.state !== 'closed'; i++) {
        advance((failover.getStats().targets[0]?.nextRetryAt ?? Date.now()) - Date.now());
        await send();
        // No event tells when the gRPC channel has reconnected: give its backoff real time.
        if (failover.getStats().targets[0]?.state !== 'closed')
          await new Promise((r) => setTimeout(r, 250));
      }
      expect(failover.getStats().targets[0]?.state).toBe('closed');
      const before = receiver.records.length;
      await send();
      expect(ids(receiver.records.slice(before))).toEqual(
        [...Array(10).keys()].map((i) => sent() - 10 + i),
      );
      expect(tally(everywhere(), sent())).toEqual({ missing: [], duplicates: 0 });
      expect(failover.getStats().targets[0]?.openMillis).toBeGreaterThanOrEqual(1_000);
    });

    it('should trip the circuit when the receiver answers later than the export timeout', async () => {
      const { receiver, failover, send, sent, everywhere } = await setup({
        otlpTimeoutMillis: 150,
      });
      receiver.latencyMs = 600;
      for (let i = 0; i < 4; i++) expect((await send()).code).toBe(0);
      const primary = failover.getStats().targets[0];
      expect(primary).toMatchObject({ state: 'open', batchesFailed: 3 });
      expect(primary?.lastError?.message).toMatch(/DEADLINE_EXCEEDED/);
      // The receiver keeps a late batch it answered after the deadline: at-least-once, never lost.
      await receiver.waitFor(() => receiver.requestCount >= 3, 5_000, '3 late requests');
      const t = tally(everywhere(), sent());
      expect(t.missing).toEqual([]);
      expect(t.duplicates).toBeLessThanOrEqual(30);
    });

    it('should count a target that never calls back as timed out and move on', async () => {
      const stuck = new KnobExporter();
      stuck.hang = true;
      const fallback = new InMemoryLogRecordExporter();
      const failover = new FailoverLogRecordExporter({
        exporters: [stuck, fallback],
        exportTimeoutMillis: 50,
      });
      onCleanup(() => failover.shutdown());
      const batches = new Batches();
      for (let i = 0; i < 3; i++)
        expect((await exportBatch(failover, batches.next(5))).code).toBe(0);
      expect(failover.getStats().targets[0]).toMatchObject({ state: 'open', timeouts: 3 });
      expect(failover.getStats().targets[0]?.lastError).toMatchObject({
        class: 'timeout',
        message: 'FailoverLogRecordExporter: export timed out after 50 ms',
      });
      expect(failover.getStats().targets[0]).toMatchObject({ batchesFailed: 3, batchesSent: 0 });
      expect(fallback.getFinishedLogRecords()).toHaveLength(15);
    });

    it('should let exactly one probe through while half-open', async () => {
      const advance = fakeClock();
      const primary = new KnobExporter();
      const fallback = new KnobExporter();
      primary.failWith = Object.assign(new Error('14 UNAVAILABLE: down'), { code: 14 });
      const failover = new FailoverLogRecordExporter({
        exporters: [primary, fallback],
        failureThreshold: 1,
        retryIntervalMillis: 1_000,
      });
      onCleanup(() => failover.shutdown());
      const batches = new Batches();
      await exportBatch(failover, batches.next(1));
      advance(1_000);
      primary.failWith = undefined;
      primary.hang = true;
      const probe = exportBatch(failover, batches.next(1));
      const others = await Promise.all([1, 2, 3].map(() => exportBatch(failover, batches.next(1))));
      expect(others.map((r) => r.code)).toEqual([0, 0, 0]);
      expect(fallback.received).toHaveLength(4);
      expect(failover.getStats().targets[0]?.state).toBe('half-open');
      primary.hang = false;
      await primary.shutdown(); // answers the hanging probe with an error
      await probe;
      expect(failover.getStats().targets[0]?.state).toBe('open');
    });

    it('should double the retry interval after each failed probe, up to maxRetryIntervalMillis', async () => {
      const advance = fakeClock();
      const primary = new KnobExporter();
      primary.failWith = Object.assign(new Error('14 UNAVAILABLE: down'), { code: 14 });
      const failover = new FailoverLogRecordExporter({
        exporters: [primary, new KnobExporter()],
        failureThreshold: 1,
        retryIntervalMillis: 1_000,
        maxRetryIntervalMillis: 5_000,
      });
      onCleanup(() => failover.shutdown());
      const batches = new Batches();
      const delays: number[] = [];
      for (let i = 0; i < 5; i++) {
        await exportBatch(failover, batches.next(1));
        const next = failover.getStats().targets[0]?.nextRetryAt ?? 0;
        delays.push(next - Date.now());
        advance(next - Date.now());
      }
      expect(delays).toEqual([1_000, 2_000, 4_000, 5_000, 5_000]);
      primary.failWith = undefined;
      await exportBatch(failover, batches.next(1));
      expect(failover.getStats().targets[0]).toMatchObject({
        state: 'closed',
        opens: 1,
        openMillis: 17_000,
      });
      // Closing resets the interval.
      primary.failWith = Object.assign(new Error('14 UNAVAILABLE: down'), { code: 14 });
      await exportBatch(failover, batches.next(1));
      expect((failover.getStats().targets[0]?.nextRetryAt ?? 0) - Date.now()).toBe(1_000);
    });
  });
});
