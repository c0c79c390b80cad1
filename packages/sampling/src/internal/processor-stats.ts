import type {
  Attributes,
  MeterProvider,
  Observable,
  ObservableCallback,
  ObservableResult,
} from '@opentelemetry/api';
import {
  emptySubstitutionCounts,
  SEVERITY_CLASS_COUNT,
  SEVERITY_CLASSES,
  SeverityClass,
} from '@spillway/record-format';
import type { ClassCounts, DropReason, RateLimitStats, SamplingStats } from '../types';
import type { PolicyState } from './policy-state';
import type { SeverityQueue } from './severity-queue';
import { TEMPLATE_TABLE_SIZE } from './template-table';

export const DROP_REASONS: readonly DropReason[] = [
  'sampled',
  'rate_limited',
  'silenced',
  'queue_full',
  'export_failed',
  'backfill_evicted',
];
export const Reason = {
  SAMPLED: 0,
  RATE_LIMITED: 1,
  SILENCED: 2,
  QUEUE_FULL: 3,
  EXPORT_FAILED: 4,
  BACKFILL_EVICTED: 5,
} as const;

/** The component type reported in metrics, after the SDK's `batching_log_processor`. */
const COMPONENT_TYPE = 'spillway_sampling_log_processor';
let instances = 0;

/**
 * The processor's counters, one Float64Array slot per (reason, class): incrementing one is the
 * only accounting cost on the hot path. Metrics read them through observable instruments at
 * collection time, so a MeterProvider adds nothing per record.
 */
export class ProcessorStats {
  readonly kept = new Float64Array(SEVERITY_CLASS_COUNT);
  readonly exported = new Float64Array(SEVERITY_CLASS_COUNT);
  /** Records handed to `exportSync` because the queue was full (also counted in `exported`). */
  readonly spilled = new Float64Array(SEVERITY_CLASS_COUNT);
  /** `exportSync` calls made for overflow. */
  spillWrites = 0;
  /** Index reason * SEVERITY_CLASS_COUNT + class. */
  readonly dropped = new Float64Array(DROP_REASONS.length * SEVERITY_CLASS_COUNT);
  summaries = 0;
  /** Template keys in the flood-control table now, and evicted from it so far. */
  templateKeys = 0;
  templateEvictions = 0;
  /** Records held for backfill now (sampled out, not yet counted as dropped), per class. */
  readonly held = new Float64Array(SEVERITY_CLASS_COUNT);
  /** Records kept through backfill (released from the ring or in a hot trace; also in `kept`). */
  readonly backfilled = new Float64Array(SEVERITY_CLASS_COUNT);
  /** Values normalisation replaced in kept records, by kind. */
  readonly substituted = emptySubstitutionCounts();
  private unregister: (() => void) | undefined;

  /**
   * Records offered in class `cls`: every one is either kept or dropped by the policy, and
   * summaries (INFO) are kept without being offered — so no counter is paid per record for it.
   * A record held for backfill is neither until it leaves the ring (kept, `sampled` or
   * `backfill_evicted`).
   */
  offeredOf(cls: number): number {
    const d = this.dropped;
    const policyDrops =
      d[Reason.SAMPLED * SEVERITY_CLASS_COUNT + cls]! +
      d[Reason.RATE_LIMITED * SEVERITY_CLASS_COUNT + cls]! +
      d[Reason.SILENCED * SEVERITY_CLASS_COUNT + cls]! +
      d[Reason.BACKFILL_EVICTED * SEVERITY_CLASS_COUNT + cls]! +
      this.held[cls]!;
    return this.kept[cls]! + policyDrops - (cls === SeverityClass.INFO ? this.summaries : 0);
  }

  drop(reason: number, cls: number): void {
    this.dropped[reason * SEVERITY_CLASS_COUNT + cls]!++;
  }

  droppedCounts(reason: number): ClassCounts {
    return classCounts(
      this.dropped.subarray(reason * SEVERITY_CLASS_COUNT, (reason + 1) * SEVERITY_CLASS_COUNT),
    );
  }

  /** The counters with the queue's and the policy's state, as `getStats()` returns them. */
  snapshot(
    policy: PolicyState,
    queue: SeverityQueue,
    inFlight: number,
    silencedTraces: number,
  ): SamplingStats {
    const dropped = {} as Record<DropReason, ClassCounts>;
    DROP_REASONS.forEach((r, i) => {
      dropped[r] = this.droppedCounts(i);
    });
    const ratios = {} as SamplingStats['ratios'];
    const effectiveRatios = {} as SamplingStats['effectiveRatios'];
    const rateLimits: SamplingStats['rateLimits'] = {};
    SEVERITY_CLASSES.forEach((name, c) => {
      ratios[name] = policy.ratios[c]!;
      effectiveRatios[name] = policy.effRatio[c]!;
      const b = policy.budgets[c];
      if (b !== undefined) {
        const s: RateLimitStats = {
          limit: b.limit,
          templates: b.templates,
          thinnedTemplates: b.thinned,
          limited: b.limited,
        };
        rateLimits[name] = s;
      }
    });
    return {
      offered: classCounts(SEVERITY_CLASSES.map((_, c) => this.offeredOf(c))),
      kept: classCounts(this.kept),
      exported: classCounts(this.exported),
      spilled: classCounts(this.spilled),
      spillWrites: this.spillWrites,
      dropped,
      summaries: this.summaries,
      substitutedValues: { ...this.substituted },
      silencedTraces,
      queue: {
        size: queue.size,
        bytes: queue.bytes,
        maxSize: queue.maxSize,
        maxBytes: queue.maxBytes,
        inFlight,
      },
      ratios,
      effectiveRatios,
      rateLimits,
      templates: {
        size: this.templateKeys,
        maxSize: TEMPLATE_TABLE_SIZE,
        evictions: this.templateEvictions,
      },
    };
  }

  /**
   * Publishes the counters on `meterProvider`: the SDK's semantic-convention processor metrics
   * (`otel.sdk.processor.log.processed` with `error.type` = drop reason,
   * `otel.sdk.processor.log.queue.size`/`.capacity`) and `spillway.sampling.*` for the rest, each
   * with a `spillway.severity_class` attribute.
   */
  registerMetrics(
    meterProvider: MeterProvider,
    queue: () => { size: number; bytes: number },
    capacity: number,
    effectiveRatios: Float64Array,
  ): void {
    const meter = meterProvider.getMeter('@spillway/sampling', '0.1.0');
    const base: Attributes = {
      'otel.component.type': COMPONENT_TYPE,
      'otel.component.name': `${COMPONENT_TYPE}/${instances++}`,
    };
    const byClass = SEVERITY_CLASSES.map((c) => ({ ...base, 'spillway.severity_class': c }));
    const byReason = DROP_REASONS.map((r) =>
      SEVERITY_CLASSES.map((c) => ({ ...base, 'error.type': r, 'spillway.severity_class': c })),
    );
    const processed = meter.createObservableCounter('otel.sdk.processor.log.processed', {
      unit: '{log_record}',
      description:
        'Log records whose processing finished: exported (no error.type) or dropped (error.type = reason).',
    });
    const kept = meter.createObservableCounter('spillway.sampling.kept', {
      unit: '{log_record}',
      description: 'Log records that passed the sampling policy.',
    });
    const offered = meter.createObservableCounter('spillway.sampling.offered', {
      unit: '{log_record}',
      description: 'Log records emitted to the processor.',
    });
    const spilled = meter.createObservableCounter('spillway.sampling.spilled', {
      unit: '{log_record}',
      description: 'Log records handed to the exporter synchronously because the queue was full.',
    });
    const summaries = meter.createObservableCounter('spillway.sampling.summaries', {
      unit: '{log_record}',
      description: 'Summary records emitted (silenced traces, thinned templates).',
    });
    const queueSize = meter.createObservableUpDownCounter('otel.sdk.processor.log.queue.size', {
      unit: '{log_record}',
      description: 'Log records in the queue.',
    });
    const queueCapacity = meter.createObservableUpDownCounter(
      'otel.sdk.processor.log.queue.capacity',
      { unit: '{log_record}', description: 'The most log records the queue holds.' },
    );
    const queueBytes = meter.createObservableUpDownCounter('spillway.sampling.queue.bytes', {
      unit: 'By',
      description: 'Estimated bytes in the queue.',
    });
    const ratio = meter.createObservableGauge('spillway.sampling.effective_ratio', {
      unit: '1',
      description: 'Keep ratio in force per severity class (the configured one).',
    });
    const observe = (n: number, attrs: Attributes, r: ObservableResult): void => {
      if (n > 0) r.observe(n, attrs);
    };
    const callbacks: [Observable, ObservableCallback][] = [
      [
        processed,
        (r) => {
          for (let c = 0; c < SEVERITY_CLASS_COUNT; c++) {
            observe(this.exported[c]!, byClass[c]!, r);
            for (let i = 0; i < DROP_REASONS.length; i++) {
              observe(this.dropped[i * SEVERITY_CLASS_COUNT + c]!, byReason[i]![c]!, r);
            }
          }
        },
      ],
      [kept, (r) => perClass(this.kept, (n, c) => observe(n, byClass[c]!, r))],
      [
        offered,
        (r) => {
          for (let c = 0; c < SEVERITY_CLASS_COUNT; c++) observe(this.offeredOf(c), byClass[c]!, r);
        },
      ],
      [spilled, (r) => perClass(this.spilled, (n, c) => observe(n, byClass[c]!, r))],
      [summaries, (r) => r.observe(this.summaries, base)],
      [queueSize, (r) => r.observe(queue().size, base)],
      [queueCapacity, (r) => r.observe(capacity, base)],
      [queueBytes, (r) => r.observe(queue().bytes, base)],
      [ratio, (r) => perClass(effectiveRatios, (p, c) => r.observe(p, byClass[c]!))],
    ];
    for (const [instrument, cb] of callbacks) instrument.addCallback(cb);
    this.unregister = () => {
      for (const [instrument, cb] of callbacks) instrument.removeCallback(cb);
    };
  }

  /** Stops publishing metrics. */
  unregisterMetrics(): void {
    this.unregister?.();
    this.unregister = undefined;
  }
}

function perClass(a: Float64Array, f: (n: number, cls: number) => void): void {
  for (let c = 0; c < SEVERITY_CLASS_COUNT; c++) f(a[c]!, c);
}

/** Per-class counters as a {@link ClassCounts}. */
export function classCounts(a: ArrayLike<number>): ClassCounts {
  let total = 0;
  const out = { total: 0 } as ClassCounts;
  for (let c = 0; c < SEVERITY_CLASS_COUNT; c++) {
    out[SEVERITY_CLASSES[c]!] = a[c]!;
    total += a[c]!;
  }
  out.total = total;
  return out;
}
