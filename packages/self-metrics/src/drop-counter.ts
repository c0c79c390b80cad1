import { SEVERITY_CLASS_COUNT, severityClassOf } from '@spillway/record-format';
import { type DropCounts, severityCounts } from './stats-shapes';

/** The class index of records lost without being decoded (after `fatal`). */
export const UNKNOWN_CLASS = SEVERITY_CLASS_COUNT;

/** What a drop needs to know of a record: its severity. */
export interface SeverityOf {
  severityNumber?: number | undefined;
  severityText?: string | undefined;
}

/**
 * Counts records lost for good by reason and severity class, for a stage's `getStats().dropped`
 * (the one shape, {@link DropCounts}). Counting is an array increment; `snapshot()` builds the
 * objects only when stats are read.
 */
export class DropCounter<Reason extends string> {
  private readonly counts = new Map<Reason, Float64Array>();

  constructor(reasons: readonly Reason[]) {
    for (const r of reasons) this.counts.set(r, new Float64Array(UNKNOWN_CLASS + 1));
  }

  /** Counts each of `records` under `reason`, by its severity class. */
  addRecords(reason: Reason, records: ReadonlyArray<SeverityOf>): void {
    classCountsOf(records, this.row(reason));
  }

  /** Adds per-class counts (index order, `unknown` = {@link UNKNOWN_CLASS}) under `reason`. */
  addCounts(reason: Reason, byClass: ArrayLike<number>): void {
    const c = this.row(reason);
    for (let i = 0; i < c.length; i++) c[i]! += byClass[i] ?? 0;
  }

  /** Counts `n` records of class index `cls` under `reason`. */
  add(reason: Reason, cls: number, n = 1): void {
    this.row(reason)[cls]! += n;
  }

  snapshot(): DropCounts<Reason> {
    const out = {} as DropCounts<Reason>;
    for (const [r, c] of this.counts) out[r] = severityCounts(c);
    return out;
  }

  private row(reason: Reason): Float64Array {
    const c = this.counts.get(reason);
    if (c === undefined) throw new Error(`DropCounter: unknown reason ${reason}`);
    return c;
  }
}

/** Per-class counts (index order) of `records`, to keep beside a batch until it is known lost. */
export function classCountsOf(
  records: ReadonlyArray<SeverityOf>,
  into?: Float64Array,
): Float64Array {
  const c = into ?? new Float64Array(UNKNOWN_CLASS + 1);
  for (const r of records) c[severityClassOf(r.severityNumber, r.severityText)]!++;
  return c;
}
