import type { MeterProvider } from '@opentelemetry/api';
import { SEVERITY_CLASS_COUNT, SEVERITY_CLASSES } from '@spillway/record-format';
import {
  ATTR_ERROR_TYPE,
  ATTR_SEVERITY_CLASS,
  COMPONENT_TYPES,
  type ComponentMetrics,
  type ObservableMetricName,
  type ObserveFn,
  registerComponentMetrics,
} from '@spillway/self-metrics';
import pkg from '../../package.json' with { type: 'json' };
import { DROP_REASONS, type ProcessorStats } from './processor-stats';

/** What the metrics read besides the counters: the queue now, its capacity, the ratios in force. */
export interface ProcessorGauges {
  queue: () => { size: number; bytes: number };
  capacity: number;
  effectiveRatios: Float64Array;
}

const byClass = SEVERITY_CLASSES.map((c) => ({ [ATTR_SEVERITY_CLASS]: c }));
const byReason = DROP_REASONS.map((r) =>
  SEVERITY_CLASSES.map((c) => ({ [ATTR_ERROR_TYPE]: r, [ATTR_SEVERITY_CLASS]: c })),
);

/**
 * Publishes the processor's counters: the SDK's processor metrics
 * (`otel.sdk.processor.log.processed` — passed to the exporter, or dropped with `error.type` =
 * reason — and `.queue.size` / `.queue.capacity`), the same drops as
 * `spillway.log_record.dropped` (the name every stage uses), and `spillway.sampling.*`, each
 * per `spillway.severity_class`. The counters are read in place: nothing is built per record or
 * per collection beyond the observations.
 */
export function registerProcessorMetrics(
  meterProvider: MeterProvider | undefined,
  stats: ProcessorStats,
  gauges: ProcessorGauges,
): ComponentMetrics {
  return registerComponentMetrics({
    meterProvider,
    meterName: pkg.name,
    meterVersion: pkg.version,
    componentType: COMPONENT_TYPES.sampling,
    observables: [
      'otel.sdk.processor.log.processed',
      'otel.sdk.processor.log.queue.size',
      'otel.sdk.processor.log.queue.capacity',
      'spillway.log_record.dropped',
      'spillway.sampling.offered',
      'spillway.sampling.kept',
      'spillway.sampling.spilled',
      'spillway.sampling.summaries',
      'spillway.sampling.effective_ratio',
      'spillway.queue.bytes',
    ],
    snapshot: () => stats,
    observe: (s, observe) => {
      for (let c = 0; c < SEVERITY_CLASS_COUNT; c++) {
        positive(observe, 'otel.sdk.processor.log.processed', s.exported[c]!, byClass[c]!);
        for (let i = 0; i < DROP_REASONS.length; i++) {
          const n = s.dropped[i * SEVERITY_CLASS_COUNT + c]!;
          positive(observe, 'otel.sdk.processor.log.processed', n, byReason[i]![c]!);
          positive(observe, 'spillway.log_record.dropped', n, byReason[i]![c]!);
        }
        positive(observe, 'spillway.sampling.offered', s.offeredOf(c), byClass[c]!);
        positive(observe, 'spillway.sampling.kept', s.kept[c]!, byClass[c]!);
        positive(observe, 'spillway.sampling.spilled', s.spilled[c]!, byClass[c]!);
        observe('spillway.sampling.effective_ratio', gauges.effectiveRatios[c]!, byClass[c]!);
      }
      observe('spillway.sampling.summaries', s.summaries);
      const q = gauges.queue();
      observe('otel.sdk.processor.log.queue.size', q.size);
      observe('otel.sdk.processor.log.queue.capacity', gauges.capacity);
      observe('spillway.queue.bytes', q.bytes);
    },
  });
}

/** Zero per-class counters are left out: most (reason, class) pairs never happen. */
function positive(
  observe: ObserveFn,
  name: ObservableMetricName,
  n: number,
  attributes: Record<string, string>,
): void {
  if (n > 0) observe(name, n, attributes);
}
