import { type Context, type SpanContext, trace } from '@opentelemetry/api';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { classOfSeverityNumber, cleanLogRecord, SeverityClass } from '@spillway/record-format';
import type { BackfillStats } from '../types';
import type { BackfillAdmission } from './backfill-admission';
import type { ResolvedBackfill } from './backfill-options';
import { BackfillRing, Leave } from './backfill-ring';
import type { Clock } from './clock';
import type { PolicyState } from './policy-state';
import { classCounts, type ProcessorStats, Reason } from './processor-stats';
import { estimateRecordBytes } from './severity-queue';

/** The attribute every record kept only because of backfill carries. */
export const BACKFILL_ATTRIBUTE = 'spillway.backfill';
const INVALID_TRACE_ID = '00000000000000000000000000000000';

/**
 * Error-triggered backfill: sampled-out records of TRACE to WARN in a trace are held
 * ({@link BackfillRing}) instead of dropped; when the trace keeps an ERROR-or-above record they are
 * kept after all, in emit order, and the trace is hot for the window (its later sampled-out
 * records are kept at once). What backfill keeps passes {@link BackfillAdmission} first and is
 * marked `spillway.backfill=true`.
 *
 * ```
 *  sampled out ─▶ takeOver ─┬─ trace hot ──────────────▶ admission ─▶ keep (marked)
 *                           └─ else ─▶ ring ─┬─ window passes ──▶ dropped: sampled
 *                                            ├─ bytes bound ────▶ dropped: backfill_evicted
 *  ERROR+ kept ─▶ triggered ─────────────────┴─ release ─▶ admission ─▶ keep (marked)
 * ```
 *
 * Accounting: a held record is counted in `held` only; it leaves to `kept`, `sampled`,
 * `backfill_evicted` or (at admission) `silenced` / `rate_limited`, counted once then.
 */
export class BackfillKeeper {
  private readonly ring: BackfillRing;
  // Hot traces by id. Re-heating deletes and re-inserts, so the map's order is expiry order.
  private readonly hot = new Map<string, HotTrace>();
  // The trace being released (set by triggered()).
  private releasing: HotTrace | undefined;
  private readonly releaseOne = (record: ReadableLogRecord, cls: number, bytes: number): void => {
    this.stats.held[cls]!--;
    this.admit(this.releasing!, record, cls, bytes);
  };

  /**
   * @param keep queues a record kept by backfill (counted `kept` by the caller).
   * @param onPending called when something waits for time (held records, a hot trace): the
   * housekeeping timer must run.
   */
  constructor(
    private readonly settings: ResolvedBackfill,
    private readonly policy: PolicyState,
    private readonly stats: ProcessorStats,
    private readonly clock: Clock,
    private readonly admission: BackfillAdmission,
    private readonly keepRecord: (record: ReadableLogRecord, cls: number) => void,
    private readonly onPending: () => void,
  ) {
    this.ring = new BackfillRing(
      settings.maxBytes,
      settings.maxBytesPerTrace,
      settings.windowMillis,
      (cls, reason) => {
        stats.held[cls]!--;
        stats.drop(reason === Leave.EXPIRED ? Reason.SAMPLED : Reason.BACKFILL_EVICTED, cls);
      },
    );
  }

  /**
   * For `enabled()`: true when a record of this severity in this context might be held (a class
   * TRACE to WARN at a ratio above 0, a trace context): then it must be built, whatever its
   * threshold says. The trace id is checked by length only (the SDK drops an invalid span
   * context from the record, which is then decided as one without trace context).
   */
  mayHold(severityNumber: unknown, ctx: Context): boolean {
    const cls = classOfSeverityNumber(severityNumber);
    if (cls < 0 || !this.holds(cls)) return false;
    return isTraced(trace.getSpanContext(ctx));
  }

  /**
   * A record the policy dropped as sampled out. True when backfill takes it over (kept now in a
   * hot trace, held, or refused and counted here); false when it is not backfill's (no trace
   * context, class ERROR or above, ratio 0): its `sampled` drop stands.
   */
  takeOver(record: ReadableLogRecord, cls: number): boolean {
    const sc = record.spanContext;
    if (!this.holds(cls) || !isTraced(sc)) return false;
    const traceId = sc.traceId;
    this.clock.update();
    const now = this.clock.now;
    const bytes = estimateRecordBytes(record);
    const hot = this.hot.size > 0 ? this.hot.get(traceId) : undefined;
    if (hot !== undefined && hot.until > now) {
      if (hot.bytesLeft < bytes) return false;
      this.admit(hot, record, cls, bytes);
      return true;
    }
    this.ring.expire(now);
    if (this.ring.hold(traceId, record, cls, bytes, now)) {
      this.stats.held[cls]!++;
      this.onPending();
    } else {
      this.stats.drop(Reason.BACKFILL_EVICTED, cls);
    }
    return true;
  }

  /**
   * An ERROR-or-above record was kept: its trace's records held within the window are kept, in
   * emit order (call it before queueing that record, so they precede it), and the trace is hot for
   * the window from now. Within one hot period (re-heated by each such record), backfill keeps at
   * most `maxBytesPerTrace` of the trace (estimated): a runaway trace cannot flood through it.
   */
  triggered(record: ReadableLogRecord): void {
    const sc = record.spanContext;
    if (!isTraced(sc)) return;
    this.clock.update();
    const now = this.clock.now;
    const traceId = sc.traceId;
    let hot = this.hot.get(traceId);
    if (hot !== undefined && hot.until > now) {
      this.hot.delete(traceId);
    } else {
      if (hot !== undefined) this.hot.delete(traceId);
      else if (this.hot.size >= this.settings.maxHotTraces) this.dropOldestHot();
      hot = { until: 0, bytesLeft: this.settings.maxBytesPerTrace };
    }
    hot.until = now + this.settings.windowMillis;
    this.hot.set(traceId, hot);
    this.onPending();
    this.ring.expire(now);
    this.releasing = hot;
    this.ring.release(traceId, this.releaseOne);
    this.releasing = undefined;
  }

  /** Timer work: held records and hot traces past the window leave; true while any remain. */
  expire(): boolean {
    const now = this.clock.now;
    this.ring.expire(now);
    for (const [traceId, hot] of this.hot) {
      if (hot.until > now) break;
      this.hot.delete(traceId);
    }
    return this.ring.size > 0 || this.hot.size > 0;
  }

  /**
   * Shutdown: every held record leaves as sampled out (no error came in time for it; what backfill
   * already kept is queued and exported as any kept record), and no trace is hot any more.
   */
  clear(): void {
    this.ring.clear();
    this.hot.clear();
  }

  snapshot(): BackfillStats {
    return {
      held: classCounts(this.stats.held),
      bytes: this.ring.bytes,
      maxBytes: this.ring.maxBytes,
      traces: this.ring.traceCount,
      hotTraces: this.hot.size,
      kept: classCounts(this.stats.backfilled),
    };
  }

  // TRACE to WARN at a ratio above 0: ERROR and above are decided by their own ratio, and a class
  // at ratio 0 is one the user never wants (enabled() keeps refusing it cheaply).
  private holds(cls: number): boolean {
    return cls < SeverityClass.ERROR && this.policy.ratios[cls]! > 0;
  }

  // A record of a hot trace that fits the trace's budget: admitted (silencing), then kept. One over
  // the budget stays sampled out: counted `sampled` here, since it was taken from that count.
  private admit(hot: HotTrace, record: ReadableLogRecord, cls: number, bytes: number): void {
    if (hot.bytesLeft < bytes) {
      this.stats.drop(Reason.SAMPLED, cls);
      return;
    }
    if (!this.admission.admit(record, cls, record.spanContext!)) return;
    hot.bytesLeft -= bytes;
    this.keep(record, cls);
  }

  private dropOldestHot(): void {
    const oldest = this.hot.keys().next();
    if (oldest.done !== true) this.hot.delete(oldest.value);
  }

  private keep(record: ReadableLogRecord, cls: number): void {
    this.stats.backfilled[cls]!++;
    this.keepRecord(markBackfilled(cleanLogRecord(record, this.stats.substituted)), cls);
  }
}

/**
 * A hot trace: until when, and the estimated bytes backfill may still keep of it in this hot
 * period (`maxBytesPerTrace`, released and later records together).
 */
interface HotTrace {
  until: number;
  bytesLeft: number;
}

function isTraced(sc: SpanContext | undefined): sc is SpanContext {
  if (sc === undefined) return false;
  const id = sc.traceId;
  return typeof id === 'string' && id.length === 32 && id !== INVALID_TRACE_ID;
}

/**
 * A copy of a (normalised) record with `spillway.backfill=true`. A copy, not `setAttribute`: a
 * held record was made read-only by the SDK when its `onEmit` returned (both lines: `setAttribute`
 * is then a no-op with a warning), and a hot trace's record is shared with the other processors.
 */
function markBackfilled(r: ReadableLogRecord): ReadableLogRecord {
  const out: ReadableLogRecord = {
    hrTime: r.hrTime,
    hrTimeObserved: r.hrTimeObserved,
    spanContext: r.spanContext,
    severityNumber: r.severityNumber,
    severityText: r.severityText,
    body: r.body,
    eventName: r.eventName,
    attributes: { ...r.attributes, [BACKFILL_ATTRIBUTE]: true },
    droppedAttributesCount: r.droppedAttributesCount,
    resource: r.resource,
    instrumentationScope: r.instrumentationScope,
  };
  return out;
}
