import { type Context, type SpanContext, trace } from '@opentelemetry/api';
import type { ReadableLogRecord, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import {
  classOfSeverityNumber,
  cleanLogRecord,
  emptySubstitutionCounts,
  SeverityClass,
  severityClassOf,
} from '@spillway/record-format';
import type { Clock } from './clock';
import { NoTrace, type PolicyState } from './policy-state';
import { type ProcessorStats, Reason } from './processor-stats';
import { KEEP, type RecordRandomness } from './record-randomness';
import { RefusedTraceCache } from './refused-trace-cache';
import { TemplateThinner } from './template-thinner';
import type { TraceEntry, TraceSilencer } from './trace-silencer';

/**
 * The sampling policy's one decision, asked twice per record by the SDK: `enabled()` before the
 * record is built ({@link ask}, from a severity number and a context) and `onEmit` with the record
 * ({@link admit}). Both run {@link decide}; what only a record allows differs in one place each:
 * the template step (flood control: it needs the body) runs, and a trace starts being tracked for
 * silencing, only for a record; a record without trace context in attribute mode is hashed only
 * when the attribute can be read. Every refusal is counted here, once: `enabled()` false counts
 * the drop, and if the SDK calls onEmit for that very record anyway (another processor said yes)
 * it is not counted again. The template step never runs in `enabled()`, so its drops
 * (`rate_limited`) are counted in onEmit only. A context `enabled()` refused by its trace's
 * threshold is remembered per class (refused-trace-cache.ts): a request's next record in that
 * class is refused without deciding again.
 *
 * ```
 *  enabled() → ask(severity, context) ─┐
 *                                      ├→ decide(cls, record | context) → KEEP or a drop reason:
 *  onEmit ───→ admit(record, cls) ─────┘   FATAL · keep-all class · threshold · silencing ·
 *                                          template thinning (record only)
 * ```
 */
export class SamplingDecider {
  /** After a keep: the `th` the record gets as `sampling.threshold`; '' for none (probability 1). */
  threshold = '';
  // The class threshold applied in this decision, and whether the record's R was read.
  private sampled = false;
  private hasRandomness = false;
  private readonly thinner: TemplateThinner;
  private readonly refusedTraces = new RefusedTraceCache();
  // The record ask() last refused (and counted): admit() of the same record returns at once. A
  // record is known by its class and span context (the SDK gives the record the context's span
  // context object, or none when it is not valid: then it was decided as one without).
  private refused = false;
  private refusedContext: SpanContext | undefined;
  private refusedClass = -1;
  // The valid span context the last decision read (undefined: none, or none read).
  private traced: SpanContext | undefined;
  // The silencing entry of the record being decided, its `kept` counted once the template step
  // kept the record.
  private tracked: TraceEntry | undefined;

  constructor(
    private readonly policy: PolicyState,
    private readonly randomness: RecordRandomness,
    private readonly silencer: TraceSilencer,
    private readonly stats: ProcessorStats,
    private readonly clock: Clock,
    // Called when a trace is tracked for silencing or a template summary is due (both need the
    // housekeeping timer).
    private readonly onTrack: () => void,
    // Where summaries of thinned templates go (counted and queued as silencing summaries are).
    onSummary: (summary: ReadableLogRecord) => void,
  ) {
    this.thinner = new TemplateThinner(policy, stats, clock, onSummary, onTrack);
  }

  /** Ends rate-limit intervals that are over (housekeeping); true while template summaries are due. */
  tickTemplates(): boolean {
    return this.thinner.tick();
  }

  /**
   * Flood control for a record backfill keeps after it was sampled out (the decision stopped
   * before the template step): the template step on its trace's randomness, so a thinned
   * template is not flooded back in. A refusal is counted (`rate_limited`).
   */
  admitBackfilled(record: ReadableLogRecord, cls: number, sc: SpanContext): boolean {
    const budget = this.policy.budgets[cls];
    if (budget === undefined) return true;
    this.clock.update();
    this.randomness.fromTrace(sc);
    if (this.thinner.admit(record, cls, budget, this.randomness)) return true;
    this.stats.drop(Reason.RATE_LIMITED, cls);
    return false;
  }

  /** Summaries of every template thinned since its last one (forceFlush, flushSync, shutdown). */
  flushTemplates(): void {
    this.thinner.flush();
  }

  /**
   * For `enabled()`: false when a record of this severity in this context would certainly be
   * dropped (counted). Without an integer severity number 1–24 the class is unknown (onEmit
   * classes the record by its severityText): true.
   */
  ask(severityNumber: unknown, context: Context): boolean {
    const cls = classOfSeverityNumber(severityNumber);
    if (cls < 0) {
      this.refused = false;
      return true;
    }
    const known = this.refusedTraces.get(cls, context, this.policy.version);
    const outcome = known !== undefined ? Reason.SAMPLED : this.decide(cls, undefined, context);
    if (outcome === KEEP) {
      this.refused = false;
      return true;
    }
    this.stats.drop(outcome, cls);
    this.refused = true;
    this.refusedContext = known ?? this.traced;
    this.refusedClass = cls;
    // this.traced is set only when the trace's randomness decided: a threshold refusal.
    if (known === undefined && outcome === Reason.SAMPLED && this.traced !== undefined) {
      this.refusedTraces.remember(cls, context, this.traced, this.policy.version);
    }
    return false;
  }

  /** For onEmit: whether `record` of class `cls` is kept; a drop is counted. */
  admit(record: ReadWriteLogRecord, cls: number): boolean {
    if (this.refused) {
      this.refused = false;
      // ask() refused and counted this very record; another processor let it through.
      if (this.refusedContext === record.spanContext && this.refusedClass === cls) return false;
    }
    const outcome = this.decide(cls, record, undefined);
    if (outcome === KEEP) return true;
    this.stats.drop(outcome, cls);
    return false;
  }

  /**
   * KEEP or the drop reason for a record of class `cls`: the record itself (onEmit), or undefined
   * with the context it would be emitted in (enabled()). Counts nothing but silenced records in
   * their trace and records in their template; the caller counts the drop. After a KEEP,
   * {@link threshold} is the `th` to write.
   */
  private decide(
    cls: number,
    record: ReadWriteLogRecord | undefined,
    ctx: Context | undefined,
  ): number {
    this.sampled = false;
    this.hasRandomness = false;
    this.threshold = '';
    this.traced = undefined;
    if (cls === SeverityClass.FATAL) return KEEP;
    const p = this.policy;
    if (p.keepsAll[cls] !== 1) {
      const sc = record !== undefined ? record.spanContext : trace.getSpanContext(ctx!);
      if (sc !== undefined && this.randomness.fromTrace(sc)) {
        this.traced = sc;
        this.sampled = true;
        this.hasRandomness = true;
        const outcome = this.randomness.compare(cls);
        if (outcome !== KEEP) return outcome;
        if (cls <= SeverityClass.INFO && p.silenceAfter > 0 && this.silences(cls, sc, record)) {
          return Reason.SILENCED;
        }
      } else {
        const outcome = this.untraced(cls, record);
        if (outcome !== KEEP) return outcome;
      }
    }
    if (record === undefined) return KEEP;
    const budget = p.budgets[cls];
    if (budget !== undefined) {
      this.clock.update();
      if (!this.hasRandomness) this.readRandomness(record);
      if (!this.thinner.admit(record, cls, budget, this.randomness)) {
        this.tracked = undefined;
        return Reason.RATE_LIMITED;
      }
    }
    if (this.tracked !== undefined) {
      this.tracked.kept++;
      this.tracked = undefined;
    }
    const th = budget !== undefined ? this.thinner.hex : '';
    this.threshold = th !== '' ? th : this.sampled ? p.effHex[cls]! : '';
    return KEEP;
  }

  // R for the template step of a record the class step kept without reading it (a keep-all
  // class): its trace's, else by the noTraceContext mode (an attribute hash, or a draw).
  private readRandomness(record: ReadWriteLogRecord): void {
    const r = this.randomness;
    const sc = record.spanContext;
    if (sc !== undefined && r.fromTrace(sc)) return;
    if (this.policy.noTraceMode === NoTrace.ATTRIBUTE) {
      r.fromAttribute(record.attributes[this.policy.noTraceAttribute]);
    } else {
      r.fromDraw();
    }
  }

  // A record without (valid) trace context, by the noTraceContext mode.
  private untraced(cls: number, record: ReadWriteLogRecord | undefined): number {
    const p = this.policy;
    const r = this.randomness;
    switch (p.noTraceMode) {
      case NoTrace.DROP:
        return Reason.SAMPLED;
      case NoTrace.RANDOM:
        this.sampled = true;
        if (record === undefined) return r.comparePending(cls);
        this.hasRandomness = true;
        r.fromDraw();
        return r.compare(cls);
      case NoTrace.ATTRIBUTE:
        // enabled() cannot see the attribute: only a class at ratio 0 is certainly dropped.
        if (record === undefined) break;
        this.sampled = true;
        this.hasRandomness = true;
        r.fromAttribute(record.attributes[p.noTraceAttribute]);
        return r.compare(cls);
    }
    return p.ratios[cls] === 0 ? Reason.SAMPLED : KEEP;
  }

  // Whether the trace has kept its share of INFO-or-lower records (the record is then counted in
  // its summary). Asking never starts tracking a trace: a record that is never emitted must not
  // hold a slot of the table.
  private silences(cls: number, sc: SpanContext, record: ReadableLogRecord | undefined): boolean {
    const after = this.policy.silenceAfter;
    let entry: TraceEntry | undefined;
    if (record === undefined) {
      entry = this.silencer.get(sc.traceId);
      if (entry === undefined || entry.kept < after) return false;
      this.clock.update();
      entry = this.silencer.touch(sc.traceId);
    } else {
      this.clock.update();
      entry = this.silencer.touch(sc.traceId);
      entry.spanContext = sc;
      entry.resource = record.resource;
      entry.scope = record.instrumentationScope;
      if (entry.kept < after) {
        this.tracked = entry;
        this.onTrack();
        return false;
      }
    }
    entry.silenced[cls]!++;
    entry.silencedTotal++;
    return true;
  }
}

/**
 * The class a record is decided and counted in: from its severity number, or for one that is not
 * an integer 1–24, that of its normalised form (which may keep the number's own spelling as
 * severityText), so the class decided here is the one every later stage counts. The scratch
 * counts keep that rare case's substitutions from being counted twice (the kept record is
 * normalised again, and counted, before it is queued).
 */
export function recordClassOf(record: ReadableLogRecord): number {
  const cls = classOfSeverityNumber(record.severityNumber);
  if (cls >= 0) return cls;
  const clean = cleanLogRecord(record, scratch);
  return severityClassOf(clean.severityNumber as number | undefined, clean.severityText);
}
const scratch = emptySubstitutionCounts();
