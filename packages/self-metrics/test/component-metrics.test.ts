import { metrics } from '@opentelemetry/api';
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import pkg from '../package.json' with { type: 'json' };
import {
  COMPONENT_TYPES,
  observeDrops,
  registerComponentMetrics,
  SELF_METRICS,
  severityCounts,
} from '../src/index';

class CollectingMetricReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

async function collect(reader: MetricReader) {
  const { resourceMetrics } = await reader.collect();
  return resourceMetrics.scopeMetrics;
}

function setup() {
  const reader = new CollectingMetricReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  return { reader, meterProvider };
}

afterEach(() => metrics.disable());

describe('registerComponentMetrics', () => {
  it('should name components <type>/<n>, counting per type', () => {
    const { meterProvider } = setup();
    const common = {
      meterProvider,
      meterName: '@spillway/self-metrics',
      meterVersion: pkg.version,
      observables: [],
      snapshot: () => 0,
      observe: () => {},
    };
    const a = registerComponentMetrics({
      ...common,
      componentType: 'spillway.replay_test_a' as never,
    });
    const b = registerComponentMetrics({
      ...common,
      componentType: 'spillway.replay_test_a' as never,
    });
    const c = registerComponentMetrics({
      ...common,
      componentType: 'spillway.replay_test_b' as never,
    });
    expect([a.componentName, b.componentName, c.componentName]).toEqual([
      'spillway.replay_test_a/0',
      'spillway.replay_test_a/1',
      'spillway.replay_test_b/0',
    ]);
  });

  it('should observe one snapshot per collection with the catalog units and component attributes', async () => {
    const { reader, meterProvider } = setup();
    let snapshots = 0;
    const handle = registerComponentMetrics({
      meterProvider,
      meterName: '@spillway/self-metrics',
      meterVersion: pkg.version,
      componentType: COMPONENT_TYPES.diskBuffer,
      observables: ['spillway.log_record.dropped', 'otel.sdk.processor.log.queue.size'],
      snapshot: () => {
        snapshots++;
        return { dropped: { disk_full: severityCounts([0, 0, 3, 0, 2, 0, 1]) }, queue: 7 };
      },
      observe: (s, observe) => {
        observeDrops(observe, s.dropped);
        observe('otel.sdk.processor.log.queue.size', s.queue);
      },
    });
    const [scope] = await collect(reader);
    expect(snapshots).toBe(1);
    expect(scope!.scope).toMatchObject({ name: '@spillway/self-metrics', version: pkg.version });
    const byName = new Map(scope!.metrics.map((m) => [m.descriptor.name, m]));
    const dropped = byName.get('spillway.log_record.dropped')!;
    expect(dropped.descriptor.unit).toBe(SELF_METRICS['spillway.log_record.dropped'].unit);
    const points = dropped.dataPoints.map((d) => [
      d.attributes['error.type'],
      d.attributes['spillway.severity_class'],
      d.value,
    ]);
    expect(points).toEqual([
      ['disk_full', 'info', 3],
      ['disk_full', 'error', 2],
      ['disk_full', 'unknown', 1],
    ]);
    for (const d of dropped.dataPoints) {
      expect(d.attributes['otel.component.type']).toBe('spillway.disk_buffer');
      expect(d.attributes['otel.component.name']).toBe(handle.componentName);
    }
    expect(byName.get('otel.sdk.processor.log.queue.size')!.dataPoints[0]!.value).toBe(7);
    handle.shutdown();
    await meterProvider.shutdown();
  });

  it('should unregister its callback on shutdown', async () => {
    // Delta temporality: a cumulative reader repeats the last value of an unobserved instrument.
    const reader = new CollectingMetricReader({
      aggregationTemporalitySelector: () => AggregationTemporality.DELTA,
    });
    const meterProvider = new MeterProvider({ readers: [reader] });
    let snapshots = 0;
    const handle = registerComponentMetrics({
      meterProvider,
      meterName: '@spillway/self-metrics',
      meterVersion: pkg.version,
      componentType: COMPONENT_TYPES.sampling,
      observables: ['otel.sdk.processor.log.queue.size'],
      snapshot: () => ++snapshots,
      observe: (n, observe) => observe('otel.sdk.processor.log.queue.size', n),
    });
    await collect(reader);
    expect(snapshots).toBe(1);
    handle.shutdown();
    handle.shutdown();
    const scopes = await collect(reader);
    expect(snapshots).toBe(1);
    const after = scopes.flatMap((s) => s.metrics);
    expect(after).toEqual([]);
    await meterProvider.shutdown();
  });

  it('should record histograms with the component attributes until shutdown', async () => {
    const { reader, meterProvider } = setup();
    const handle = registerComponentMetrics({
      meterProvider,
      meterName: '@spillway/self-metrics',
      meterVersion: pkg.version,
      componentType: COMPONENT_TYPES.failover,
      observables: [],
      recorded: ['otel.sdk.exporter.operation.duration'],
      snapshot: () => undefined,
      observe: () => {},
    });
    handle.record('otel.sdk.exporter.operation.duration', 0.25, { 'error.type': 'timeout' });
    handle.shutdown();
    handle.record('otel.sdk.exporter.operation.duration', 9);
    const [scope] = await collect(reader);
    const m = scope!.metrics.find(
      (x) => x.descriptor.name === 'otel.sdk.exporter.operation.duration',
    )!;
    expect(m.descriptor.unit).toBe('s');
    expect(m.dataPoints).toHaveLength(1);
    expect(m.dataPoints[0]!.value).toMatchObject({ count: 1, sum: 0.25 });
    expect(m.dataPoints[0]!.attributes).toMatchObject({
      'error.type': 'timeout',
      'otel.component.name': handle.componentName,
    });
    await meterProvider.shutdown();
  });

  it('should use the global MeterProvider set right after construction, when given none', async () => {
    const { reader, meterProvider } = setup();
    const handle = registerComponentMetrics({
      meterName: '@spillway/self-metrics',
      meterVersion: pkg.version,
      componentType: COMPONENT_TYPES.zstdFile,
      observables: ['spillway.file.written'],
      snapshot: () => 4,
      observe: (n, observe) => observe('spillway.file.written', n),
    });
    // As register does: the pipeline is built first, then NodeSDK.start() sets the global.
    metrics.setGlobalMeterProvider(meterProvider);
    await new Promise((r) => setImmediate(r));
    const [scope] = await collect(reader);
    expect(scope!.metrics[0]!.dataPoints[0]!.value).toBe(4);
    handle.shutdown();
    await meterProvider.shutdown();
  });

  it('should never bind the global when shut down first', async () => {
    const { reader, meterProvider } = setup();
    let snapshots = 0;
    const handle = registerComponentMetrics({
      meterName: '@spillway/self-metrics',
      meterVersion: pkg.version,
      componentType: COMPONENT_TYPES.zstdFile,
      observables: ['spillway.file.written'],
      snapshot: () => ++snapshots,
      observe: (n, observe) => observe('spillway.file.written', n),
    });
    handle.shutdown();
    metrics.setGlobalMeterProvider(meterProvider);
    await new Promise((r) => setImmediate(r));
    const scopes = await collect(reader);
    expect(scopes.flatMap((x) => x.metrics)).toEqual([]);
    expect(snapshots).toBe(0);
    await meterProvider.shutdown();
  });
});
