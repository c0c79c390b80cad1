import {
  emptySubstitutionCounts,
  SEVERITY_CLASS_COUNT,
  SEVERITY_CLASSES,
  SeverityClass,
} from '@spillway/record-format';
import { severityCounts } from '@spillway/self-metrics';
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
}

/** Per-class counters as a {@link ClassCounts} (the one per-class shape, `unknown` = 0 here). */
export function classCounts(a: ArrayLike<number>): ClassCounts {
  return severityCounts(a);
}
