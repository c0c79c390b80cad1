import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';

/**
 * Bytes charged per trace with held records, beyond its records' estimates: its map entry and
 * state. It bounds the number of traces held by the same budget (at most maxBytes / 128 + …).
 */
export const TRACE_OVERHEAD_BYTES = 128;

/** Recycled entries kept at most: after a burst the spare entries go back to the heap. */
const FREE_MAX = 4096;

/** Why a held record left the ring without being released: its window passed, or a byte bound. */
export const Leave = { EXPIRED: 0, EVICTED: 1 } as const;

interface Held {
  record: ReadableLogRecord | undefined;
  cls: number;
  bytes: number;
  heldAt: number;
  trace: TraceHold | undefined;
  older: Held | undefined;
  newer: Held | undefined;
  nextInTrace: Held | undefined;
}

interface TraceHold {
  traceId: string;
  first: Held | undefined;
  last: Held | undefined;
  bytes: number;
  count: number;
}

/**
 * The records held for backfill: one list in emit order over all traces (so the oldest expires
 * or is evicted first in O(1)), threaded with one list per trace (so a trace's records are
 * released in emit order, and its oldest evicted, in O(1) each). Bounded by estimated bytes in
 * total (records + {@link TRACE_OVERHEAD_BYTES} per trace) and per trace (records): a record that
 * does not fit evicts the trace's oldest, then the oldest overall, until it fits. Both lists append
 * in the same order and only ever lose a trace's oldest record (or all of them), so the oldest
 * record overall is always the first of its trace. Entries are recycled: holding allocates only
 * while the ring is still growing.
 *
 * ```
 *  oldest ─▶ [a1] ─▶ [b1] ─▶ [a2] ─▶ [c1] ─▶ [b2] ◀─ newest     (emit order, all traces)
 *  trace a:   a1 ──────────▶ a2                                  (release order of a)
 * ```
 */
export class BackfillRing {
  /** Estimated bytes held: records plus the per-trace overhead. */
  bytes = 0;
  /** Records held. */
  size = 0;
  private readonly traces = new Map<string, TraceHold>();
  private oldest: Held | undefined;
  private newest: Held | undefined;
  private readonly freeHeld: Held[] = [];
  private readonly freeTraces: TraceHold[] = [];

  /**
   * @param onLeave called for each record that leaves without being released, with its class and
   * a {@link Leave} reason.
   */
  constructor(
    readonly maxBytes: number,
    readonly maxBytesPerTrace: number,
    readonly windowMillis: number,
    private readonly onLeave: (cls: number, reason: number) => void,
  ) {}

  /** Traces with held records. */
  get traceCount(): number {
    return this.traces.size;
  }

  /**
   * Holds `record` (class `cls`, estimated `bytes`) of trace `traceId`, held at `now`, evicting
   * older records to make room. False when it can never fit (larger than a bound by itself): the
   * caller accounts it, nothing was held or evicted.
   */
  hold(
    traceId: string,
    record: ReadableLogRecord,
    cls: number,
    bytes: number,
    now: number,
  ): boolean {
    if (bytes > this.maxBytesPerTrace || bytes + TRACE_OVERHEAD_BYTES > this.maxBytes) return false;
    let t = this.traces.get(traceId);
    for (;;) {
      if (t !== undefined && t.count === 0) t = undefined;
      if (t !== undefined && t.bytes + bytes > this.maxBytesPerTrace) {
        this.remove(t.first!, Leave.EVICTED);
        continue;
      }
      const need = bytes + (t === undefined ? TRACE_OVERHEAD_BYTES : 0);
      if (this.bytes + need <= this.maxBytes) break;
      this.remove(this.oldest!, Leave.EVICTED);
    }
    if (t === undefined) t = this.newTrace(traceId);
    const h = this.freeHeld.pop() ?? newHeld();
    h.record = record;
    h.cls = cls;
    h.bytes = bytes;
    h.heldAt = now;
    h.trace = t;
    h.older = this.newest;
    if (this.newest !== undefined) this.newest.newer = h;
    else this.oldest = h;
    this.newest = h;
    if (t.last !== undefined) t.last.nextInTrace = h;
    else t.first = h;
    t.last = h;
    t.bytes += bytes;
    t.count++;
    this.bytes += bytes;
    this.size++;
    return true;
  }

  /** Removes `traceId`'s held records, handing each to `visit` in emit order. */
  release(
    traceId: string,
    visit: (record: ReadableLogRecord, cls: number, bytes: number) => void,
  ): void {
    const t = this.traces.get(traceId);
    if (t === undefined) return;
    // Unlinked whole first: `visit` may reenter (a kept record can trigger an export) and must
    // find the trace's records gone.
    const records: ReadableLogRecord[] = [];
    const classes: number[] = [];
    const sizes: number[] = [];
    while (t.count > 0) {
      const h = t.first!;
      records.push(h.record!);
      classes.push(h.cls);
      sizes.push(h.bytes);
      this.unlink(h);
    }
    for (let i = 0; i < records.length; i++) visit(records[i]!, classes[i]!, sizes[i]!);
  }

  /** Removes the records held for longer than the window by `now` (oldest first). */
  expire(now: number): void {
    const window = this.windowMillis;
    while (this.oldest !== undefined && now - this.oldest.heldAt >= window) {
      this.remove(this.oldest, Leave.EXPIRED);
    }
  }

  /** Removes every record as if its window had passed (shutdown: they were sampled out). */
  clear(): void {
    while (this.oldest !== undefined) this.remove(this.oldest, Leave.EXPIRED);
  }

  private remove(h: Held, reason: number): void {
    const cls = h.cls;
    this.unlink(h);
    this.onLeave(cls, reason);
  }

  // Unlinks `h`, the first record of its trace, from both lists; drops the trace when it empties.
  private unlink(h: Held): void {
    const t = h.trace!;
    t.first = h.nextInTrace;
    if (t.first === undefined) t.last = undefined;
    t.bytes -= h.bytes;
    t.count--;
    if (h.older !== undefined) h.older.newer = h.newer;
    else this.oldest = h.newer;
    if (h.newer !== undefined) h.newer.older = h.older;
    else this.newest = h.older;
    this.bytes -= h.bytes;
    this.size--;
    if (t.count === 0) {
      this.traces.delete(t.traceId);
      this.bytes -= TRACE_OVERHEAD_BYTES;
      t.bytes = 0;
      if (this.freeTraces.length < FREE_MAX) this.freeTraces.push(t);
    }
    h.record = undefined;
    h.trace = undefined;
    h.older = undefined;
    h.newer = undefined;
    h.nextInTrace = undefined;
    if (this.freeHeld.length < FREE_MAX) this.freeHeld.push(h);
  }

  private newTrace(traceId: string): TraceHold {
    const t = this.freeTraces.pop() ?? {
      traceId,
      first: undefined,
      last: undefined,
      bytes: 0,
      count: 0,
    };
    t.traceId = traceId;
    this.traces.set(traceId, t);
    this.bytes += TRACE_OVERHEAD_BYTES;
    return t;
  }
}

function newHeld(): Held {
  return {
    record: undefined,
    cls: 0,
    bytes: 0,
    heldAt: 0.5,
    trace: undefined,
    older: undefined,
    newer: undefined,
    nextInTrace: undefined,
  };
}
