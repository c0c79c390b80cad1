import { status } from '@grpc/grpc-js';
import { InMemoryLogRecordExporter } from '@opentelemetry/sdk-logs';
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import pkg from '../package.json' with { type: 'json' };
import { FailoverLogRecordExporter } from '../src/failover-log-record-exporter';
import type { FailoverLogRecordExporterOptions } from '../src/types';
import {
  Batches,
  captureDiag,
  exportBatch,
  grpcPrimary,
  idOf,
  ids,
  KnobExporter,
  onCleanup,
  tally,
} from './helpers';

afterEach(() => {
  vi.useRealTimers();
});

async function setup(
  opts: Partial<FailoverLogRecordExporterOptions> & { otlpTimeoutMillis?: number } = {},
) {
  const { receiver, otlp } = await grpcPrimary(opts.otlpTimeoutMillis);
  const fallback = new InMemoryLogRecordExporter();
  const failover = new FailoverLogRecordExporter({
    exporters: [otlp, fallback],
    names: ['otlp', 'memory'],
    retryIntervalMillis: 1_000,
    ...opts,
  });
  onCleanup(() => failover.shutdown());
  const batches = new Batches();
  let sent = 0;
  const send = async (n = 10) => {
    const records = batches.next(n);
    sent += n;
    return exportBatch(failover, records);
  };
  const fallbackIds = () =>
    fallback.getFinishedLogRecords().map((r) => idOf(r.attributes as Record<string, unknown>));
  const everywhere = () => [...ids(receiver.records), ...fallbackIds()];
  return { receiver, otlp, fallback, failover, send, sent: () => sent, fallbackIds, everywhere };
}

// Only Date is faked: circuits read Date.now(), while gRPC and export deadlines keep real timers.
function fakeClock(): (ms: number) => void {
  vi.useFakeTimers({ toFake: ['Date'] });
  return (ms) => vi.setSystemTime(Date.now() + ms);
}

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
      expect(failover.getStats().targets[0]?.lastError?.class).toBe('timeout');
      expect(fallback.getFinishedLogRecords()).toHaveLength(15);
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

  describe('visibility', () => {
    it('should log each state change through diag', async () => {
      const lines = captureDiag();
      const advance = fakeClock();
      const primary = new KnobExporter();
      primary.failWith = Object.assign(new Error('14 UNAVAILABLE: down'), { code: 14 });
      const failover = new FailoverLogRecordExporter({
        exporters: [primary, new KnobExporter()],
        names: ['p', 'f'],
        failureThreshold: 2,
      });
      onCleanup(() => failover.shutdown());
      const batches = new Batches();
      for (let i = 0; i < 2; i++) await exportBatch(failover, batches.next(1));
      advance(10_000);
      primary.failWith = undefined;
      await exportBatch(failover, batches.next(1));
      const changes = lines.filter((l) => l.includes('circuit'));
      expect(changes).toHaveLength(3);
      expect(changes[0]).toMatch(
        /target p circuit closed -> open: 2 consecutive failures \(last: 14 UNAVAILABLE: down\)/,
      );
      expect(changes[1]).toMatch(/target p circuit open -> half-open/);
      expect(changes[2]).toMatch(/target p circuit half-open -> closed: probe batch succeeded/);
    });

    it('should publish its self-metrics and unregister them on shutdown', async () => {
      class PullReader extends MetricReader {
        protected override async onForceFlush(): Promise<void> {}
        protected override async onShutdown(): Promise<void> {}
      }
      // Delta temporality: once the callback is gone, a collection has no points at all.
      const reader = new PullReader({
        aggregationTemporalitySelector: () => AggregationTemporality.DELTA,
      });
      const meterProvider = new MeterProvider({ readers: [reader] });
      onCleanup(() => meterProvider.shutdown());
      const primary = new KnobExporter();
      primary.failWith = Object.assign(new Error('14 UNAVAILABLE: down'), { code: 14 });
      const failover = new FailoverLogRecordExporter({
        exporters: [primary, new KnobExporter()],
        names: ['p', 'f'],
        failureThreshold: 1,
        meterProvider,
      });
      onCleanup(() => failover.shutdown());
      const batches = new Batches();
      await exportBatch(failover, batches.next(4));
      await exportBatch(failover, batches.next(4));
      const { resourceMetrics } = await reader.collect();
      const metrics = new Map(
        resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).map((m) => [m.descriptor.name, m]),
      );
      const points = (name: string) =>
        metrics.get(name)?.dataPoints.map((d) => {
          const { 'otel.component.type': type, 'otel.component.name': n, ...rest } = d.attributes;
          expect(type).toBe('spillway.failover_exporter');
          expect(n).toMatch(/^spillway\.failover_exporter\/\d+$/);
          return { ...rest, value: d.value };
        }) ?? [];
      expect(resourceMetrics.scopeMetrics[0]?.scope).toMatchObject({
        name: pkg.name,
        version: pkg.version,
      });
      expect(points('otel.sdk.exporter.log.exported')).toEqual([{ value: 8 }]);
      expect(points('otel.sdk.exporter.log.inflight')).toEqual([{ value: 0 }]);
      expect(points('spillway.failover.sent')).toEqual([
        { 'spillway.target': 'p', value: 0 },
        { 'spillway.target': 'f', value: 8 },
      ]);
      expect(points('spillway.failover.failed_batches')).toEqual([
        { 'spillway.target': 'p', 'error.type': 'failed', value: 1 },
      ]);
      expect(points('spillway.circuit.state')).toEqual([
        { 'spillway.target': 'p', value: 2 },
        { 'spillway.target': 'f', value: 0 },
      ]);
      const duration = metrics.get('otel.sdk.exporter.operation.duration')!;
      expect(duration.descriptor.unit).toBe('s');
      expect(duration.dataPoints[0]?.value).toMatchObject({ count: 2 });
      await failover.shutdown();
      const after = await reader.collect();
      expect(after.resourceMetrics.scopeMetrics.flatMap((m) => m.metrics)).toEqual([]);
    });
  });

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
