import { SEVERITY_CLASSES, type SeverityClassName } from '@spillway/record-format';
import type { ObserveFn } from './component-metrics';
import {
  ATTR_ERROR_TYPE,
  ATTR_SEVERITY_CLASS,
  type ObservableMetricName,
} from './self-metric-names';

/**
 * Records per severity class, with their total: the one shape of every per-class count in every
 * stage's `getStats()`. `unknown` counts records lost without being decoded (damaged frames,
 * files never read back); it is 0 at stages that always see the record.
 */
export type SeverityCounts = Record<SeverityClassName | 'unknown', number> & { total: number };

/** Records lost for good, by reason, each by severity class: every stage's `getStats().dropped`. */
export type DropCounts<Reason extends string> = Record<Reason, SeverityCounts>;

/** The last error a stage met: the one shape of `lastError` in every `getStats()`. */
export interface LastError {
  /** `<name>: <message>` of the error. */
  message: string;
  /** When it happened, ms since the epoch. */
  at: number;
}

/** The classes in index order (trace … fatal, then unknown), as counters are kept. */
export const SEVERITY_COUNT_KEYS = [...SEVERITY_CLASSES, 'unknown'] as const;

/**
 * A {@link SeverityCounts} from counters in class index order (`trace` = 0 … `fatal` = 5,
 * `unknown` = 6; a missing index counts 0).
 */
export function severityCounts(byIndex: ArrayLike<number>): SeverityCounts {
  const out = { total: 0 } as SeverityCounts;
  let total = 0;
  SEVERITY_COUNT_KEYS.forEach((name, i) => {
    const n = byIndex[i] ?? 0;
    out[name] = n;
    total += n;
  });
  out.total = total;
  return out;
}

/** A {@link LastError} for `err` now. */
export function lastErrorOf(err: unknown, at = Date.now()): LastError {
  return { message: err instanceof Error ? `${err.name}: ${err.message}` : String(err), at };
}

/**
 * Observes a `dropped` snapshot on `name` (default `spillway.log_record.dropped`): one point per
 * (reason, class) with a non-zero count, with `error.type` and `spillway.severity_class`.
 */
export function observeDrops(
  observe: ObserveFn,
  dropped: Readonly<Record<string, SeverityCounts>>,
  name: ObservableMetricName = 'spillway.log_record.dropped',
): void {
  for (const [reason, counts] of Object.entries(dropped)) {
    for (const cls of SEVERITY_COUNT_KEYS) {
      const n = counts[cls];
      if (n > 0) observe(name, n, { [ATTR_ERROR_TYPE]: reason, [ATTR_SEVERITY_CLASS]: cls });
    }
  }
}
