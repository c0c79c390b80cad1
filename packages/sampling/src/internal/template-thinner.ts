import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { SEVERITY_CLASS_COUNT } from '@spillway/record-format';
import { BoundedLru } from './bounded-lru';
import type { Clock } from './clock';
import type { PolicyState } from './policy-state';
import type { ProcessorStats } from './processor-stats';
import type { RecordRandomness } from './record-randomness';
import type { TemplateBudget } from './template-budget';
import { TemplateKeyer } from './template-key';
import { type ThinnedExit, thinnedSummaryRecord } from './template-summary';
import { TEMPLATE_TABLE_SIZE, type TemplateEntry } from './template-table';

/**
 * Flood control by template, the last step of a record's decision (onEmit only: `enabled()` has
 * no body to key): the record's template key is looked up in the bounded table, counted against
 * its class's {@link TemplateBudget}, and the record is compared with the template's threshold —
 * on the record's own randomness (its trace's), so a trace's records of one template are kept or
 * dropped together. Summaries of thinned templates go to `onSummary`.
 *
 * ```
 *  record ─ key ─→ table (LRU, 4,096) ─→ budget.observe ─→ floor? keep
 *                                                         └→ R ≥ template threshold? keep : rate_limited
 *  interval end (a record or the housekeeping timer) ─→ budget.roll: summaries, EMA, new rates
 * ```
 */
export class TemplateThinner {
  /** After a keep: the `th` of the template threshold applied, '' when the class's stands. */
  hex = '';
  private readonly keyer: TemplateKeyer;
  private readonly table: BoundedLru<number, TemplateEntry>;
  // Entries thinned since their last summary (housekeeping runs while there are any).
  private pending = 0;
  private rollClass = -1;

  constructor(
    private readonly policy: PolicyState,
    private readonly stats: ProcessorStats,
    private readonly clock: Clock,
    private readonly onSummary: (summary: ReadableLogRecord) => void,
    // Called when a summary becomes due (it needs the housekeeping timer).
    private readonly onPending: () => void,
  ) {
    this.keyer = new TemplateKeyer({ attribute: policy.templateAttribute });
    this.table = new BoundedLru<number, TemplateEntry>(
      TEMPLATE_TABLE_SIZE,
      (e) => e.key,
      (e) => this.summarize(e, 'evicted'),
    );
  }

  /**
   * Whether `record` of class `cls` (which has a budget, and passed sampling and silencing) is
   * kept; `randomness` holds the record's R.
   */
  admit(
    record: ReadableLogRecord,
    cls: number,
    budget: TemplateBudget,
    randomness: RecordRandomness,
  ): boolean {
    this.hex = '';
    const now = this.clock.now;
    if (budget.due(now)) this.roll(cls, budget);
    const ratio = this.policy.ratios[cls]!;
    const key = this.keyer.key(record, cls);
    let e = this.table.touch(key);
    if (e === undefined) {
      e = newEntry(key, cls, this.keyer.text(record));
      budget.init(e, ratio);
      this.table.add(e);
      this.stats.templateKeys = this.table.size;
      this.stats.templateEvictions = this.table.evictions;
    }
    e.resource = record.resource;
    e.scope = record.instrumentationScope;
    const floor = budget.observe(e, now, ratio);
    if (!floor && e.rate < 1 && !randomness.atLeast(e.hi, e.lo)) {
      budget.limited++;
      if (e.summarySeen - e.summaryKept === 1) {
        this.pending++;
        this.onPending();
      }
      return false;
    }
    if (!floor && e.rate < 1) this.hex = e.hex;
    budget.keep(e);
    return true;
  }

  /** Ends the interval of every class whose interval is over (housekeeping); true while summaries are due. */
  tick(): boolean {
    const now = this.clock.now;
    for (let c = 0; c < SEVERITY_CLASS_COUNT; c++) {
      const budget = this.policy.budgets[c];
      if (budget?.due(now)) this.roll(c, budget);
    }
    // A class whose limit was removed (updatePolicy) rolls no more: its due summaries go now.
    if (this.pending > 0) {
      this.table.forEach((e) => {
        if (this.policy.budgets[e.cls] === undefined) this.summarize(e, 'interval');
      });
    }
    return this.pending > 0;
  }

  /** Summaries of every template thinned since its last one (forceFlush, shutdown). */
  flush(): void {
    this.table.forEach((e) => {
      if (e.summarySeen !== e.summaryKept) this.summarize(e, 'flush');
    });
  }

  private roll(cls: number, budget: TemplateBudget): void {
    this.rollClass = cls;
    budget.roll(
      this.clock.now,
      this.classEntries,
      this.summarizeAtInterval,
      this.policy.ratios[cls]!,
    );
  }

  private readonly classEntries = (f: (e: TemplateEntry) => void): void => {
    const cls = this.rollClass;
    this.table.forEach((e) => {
      if (e.cls === cls) f(e);
    });
  };

  private readonly summarizeAtInterval = (e: TemplateEntry): void => this.summarize(e, 'interval');

  private summarize(e: TemplateEntry, exit: ThinnedExit): void {
    if (e.summarySeen === e.summaryKept) return;
    this.pending--;
    const summary = thinnedSummaryRecord(e, exit, Date.now());
    e.summarySeen = 0;
    e.summaryKept = 0;
    if (summary !== undefined) this.onSummary(summary);
  }
}

function newEntry(key: number, cls: number, text: string): TemplateEntry {
  return {
    key,
    cls,
    text,
    ema: -1,
    seen: 0,
    kept: 0,
    expected: 0,
    nextCheck: 0,
    goal: 0,
    floor: 0,
    rate: 1,
    hi: 0,
    lo: 0,
    hex: '',
    ratio: -1,
    summarySeen: 0,
    summaryKept: 0,
    resource: undefined,
    scope: undefined,
    newer: undefined,
    older: undefined,
  };
}
