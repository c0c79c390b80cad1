import {
  type Attributes,
  type BatchObservableCallback,
  type BatchObservableResult,
  type Histogram,
  type Meter,
  type MeterProvider,
  metrics,
  type Observable,
} from '@opentelemetry/api';
import {
  ATTR_COMPONENT_NAME,
  ATTR_COMPONENT_TYPE,
  type ComponentType,
  type ObservableMetricName,
  type RecordedMetricName,
  SELF_METRICS,
} from './self-metric-names';

/** Options of {@link registerComponentMetrics}. */
export interface ComponentMetricsOptions<S> {
  /**
   * Where the instruments go. Default: the global MeterProvider as it is on the next turn of the
   * event loop (so that `NodeSDK.start()` right after building the pipeline is seen).
   */
  meterProvider?: MeterProvider | undefined;
  /** The meter's name: the stage's package name. */
  meterName: string;
  /** The meter's version: the stage's package version, read from its package.json at build time. */
  meterVersion: string;
  /** `otel.component.type`; `otel.component.name` becomes `<type>/<n>`, n counting from 0 per type. */
  componentType: ComponentType;
  /** The observable instruments to create; each is read from one `snapshot()` per collection. */
  observables: readonly ObservableMetricName[];
  /** Synchronous instruments the stage records into itself (see {@link ComponentMetrics.record}). */
  recorded?: readonly RecordedMetricName[];
  /** The stage's stats, taken once per collection. */
  snapshot: () => S;
  /**
   * Turns one snapshot into observations. The component attributes are added to every one; pass
   * only the others (`error.type`, `spillway.severity_class`…). A zero counter may be skipped.
   */
  observe: (snapshot: S, observe: ObserveFn) => void;
}

/** Observes `value` on the instrument `name`, with the component's attributes and `attributes`. */
export type ObserveFn = (
  name: ObservableMetricName,
  value: number,
  attributes?: Attributes,
) => void;

/** What {@link registerComponentMetrics} returns; the stage keeps it until its `shutdown()`. */
export interface ComponentMetrics {
  /** `otel.component.name` given to this stage, e.g. `spillway.disk_buffer/0`. */
  readonly componentName: string;
  /** Records into a synchronous instrument named in `recorded` (a no-op after `shutdown()`). */
  record(name: RecordedMetricName, value: number, attributes?: Attributes): void;
  /** Unregisters the batch callback: no observation of this stage follows. Idempotent. */
  shutdown(): void;
}

const instanceCounts = new Map<string, number>();

/**
 * Registers a stage's self-metrics: the meter `meterName@meterVersion`, the chosen instruments
 * from {@link SELF_METRICS} (so names, kinds, units and descriptions are the same in every
 * package), and ONE batch callback that takes one snapshot per collection, so that every
 * observation of a collection comes from the same moment and nothing runs per record. Use it
 * from a stage's constructor and call `shutdown()` from the stage's `shutdown()`.
 */
export function registerComponentMetrics<S>(options: ComponentMetricsOptions<S>): ComponentMetrics {
  const n = instanceCounts.get(options.componentType) ?? 0;
  instanceCounts.set(options.componentType, n + 1);
  const componentName = `${options.componentType}/${n}`;
  const base: Attributes = {
    [ATTR_COMPONENT_TYPE]: options.componentType,
    [ATTR_COMPONENT_NAME]: componentName,
  };
  const observables = new Map<ObservableMetricName, Observable>();
  const histograms = new Map<RecordedMetricName, Histogram>();
  const callback: BatchObservableCallback = (result: BatchObservableResult) => {
    const observe: ObserveFn = (name, value, attributes) => {
      const instrument = observables.get(name);
      if (instrument === undefined || !Number.isFinite(value)) return;
      result.observe(instrument, value, attributes ? { ...base, ...attributes } : base);
    };
    options.observe(options.snapshot(), observe);
  };
  let meter: Meter | undefined;
  const bind = (provider: MeterProvider): void => {
    meter = provider.getMeter(options.meterName, options.meterVersion);
    for (const name of options.observables) {
      const { kind, unit, description } = SELF_METRICS[name];
      const create =
        kind === 'counter'
          ? meter.createObservableCounter
          : kind === 'updown'
            ? meter.createObservableUpDownCounter
            : meter.createObservableGauge;
      observables.set(name, create.call(meter, name, { unit, description }));
    }
    for (const name of options.recorded ?? []) {
      const { unit, description } = SELF_METRICS[name];
      histograms.set(name, meter.createHistogram(name, { unit, description }));
    }
    meter.addBatchObservableCallback(callback, [...observables.values()]);
  };
  let live = true;
  // The global has no proxy for metrics (unlike traces): a stage built before NodeSDK.start()
  // registers the global MeterProvider would bind the no-op one for good. Without an explicit
  // provider, bind on the next turn of the event loop, after a start() that follows construction.
  const pending =
    options.meterProvider === undefined
      ? setImmediate(() => {
          if (live) bind(metrics.getMeterProvider());
        })
      : undefined;
  if (options.meterProvider !== undefined) bind(options.meterProvider);
  return {
    componentName,
    record(name, value, attributes) {
      if (!live) return;
      histograms.get(name)?.record(value, attributes ? { ...base, ...attributes } : base);
    },
    shutdown() {
      if (!live) return;
      live = false;
      if (pending !== undefined) clearImmediate(pending);
      meter?.removeBatchObservableCallback(callback, [...observables.values()]);
    },
  };
}
