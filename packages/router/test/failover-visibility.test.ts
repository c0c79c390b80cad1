// FailoverLogRecordExporter: state changes through diag, and its self-metrics.
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import pkg from '../package.json' with { type: 'json' };
import { FailoverLogRecordExporter } from '../src/failover-log-record-exporter';
import { fakeClock } from './failover-harness';
import { Batches, captureDiag, exportBatch, KnobExporter, onCleanup } from './helpers';

describe('FailoverLogRecordExporter', () => {
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
});
