import type { SpanContext } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { Clock } from './clock';

/** Why a trace left the silencing table (the `spillway.silenced.reason` of its summary). */
export type SilenceExit = 'ttl' | 'evicted' | 'flush' | 'shutdown';

/** Per-trace state: INFO-or-lower records kept, and those silenced since the last summary. */
export interface TraceEntry {
  traceId: string;
  kept: number;
  /** Silenced records by class: trace, debug, info. */
  silenced: [number, number, number];
  silencedTotal: number;
  lastSeen: number;
  // Where a summary goes: the context, resource and scope of the trace's last record seen.
  spanContext: SpanContext | undefined;
  resource: Resource | undefined;
  scope: InstrumentationScope | undefined;
  newer: TraceEntry | undefined;
  older: TraceEntry | undefined;
}

/** Called with a trace that silenced records and leaves the table (or is flushed). */
export type SummaryCallback = (entry: TraceEntry, exit: SilenceExit) => void;

/**
 * The per-trace silencing table: a map from trace id to {@link TraceEntry}, bounded by
 * `maxTraces` (least recently seen evicted first) and by `ttlMillis` since a trace was last seen.
 * Entries are recycled, so a trace costs an allocation only while the table is still growing.
 * Every trace that silenced something gets its summary when it leaves, whatever the reason.
 */
export class TraceSilencer {
  private readonly map = new Map<string, TraceEntry>();
  private newest: TraceEntry | undefined;
  private oldest: TraceEntry | undefined;
  private readonly free: TraceEntry[] = [];

  constructor(
    private readonly maxTraces: number,
    private readonly ttlMillis: number,
    private readonly onSummary: SummaryCallback,
    private readonly clock: Clock,
  ) {}

  /** Traces in the table. */
  get size(): number {
    return this.map.size;
  }

  /** The entry of `traceId`, if present (no side effects). */
  get(traceId: string): TraceEntry | undefined {
    return this.map.get(traceId);
  }

  /** The entry of `traceId`, created if absent, marked as seen at `clock.now`. */
  touch(traceId: string): TraceEntry {
    let e = this.map.get(traceId);
    if (e === undefined) {
      this.expire();
      if (this.map.size >= this.maxTraces && this.oldest !== undefined) {
        this.remove(this.oldest, 'evicted');
      }
      e = this.free.pop() ?? newEntry();
      e.traceId = traceId;
      this.map.set(traceId, e);
    } else {
      this.unlink(e);
    }
    e.lastSeen = this.clock.now;
    this.linkNewest(e);
    return e;
  }

  /** Removes traces not seen for longer than the TTL (oldest first; stops at the first fresh). */
  expire(): void {
    const now = this.clock.now;
    let e = this.oldest;
    while (e !== undefined && now - e.lastSeen > this.ttlMillis) {
      const next = e.newer;
      this.remove(e, 'ttl');
      e = next;
    }
  }

  /** Summaries for every trace with silenced records; the traces stay silenced. */
  flush(): void {
    for (let e = this.oldest; e !== undefined; e = e.newer) {
      if (e.silencedTotal > 0) {
        this.onSummary(e, 'flush');
        clearSilenced(e);
      }
    }
  }

  /** Removes every trace, with summaries. */
  clear(exit: SilenceExit): void {
    while (this.oldest !== undefined) this.remove(this.oldest, exit);
  }

  private remove(e: TraceEntry, exit: SilenceExit): void {
    if (e.silencedTotal > 0) this.onSummary(e, exit);
    this.unlink(e);
    this.map.delete(e.traceId);
    e.kept = 0;
    clearSilenced(e);
    e.spanContext = undefined;
    e.resource = undefined;
    e.scope = undefined;
    this.free.push(e);
  }

  private linkNewest(e: TraceEntry): void {
    e.older = this.newest;
    e.newer = undefined;
    if (this.newest !== undefined) this.newest.newer = e;
    this.newest = e;
    if (this.oldest === undefined) this.oldest = e;
  }

  private unlink(e: TraceEntry): void {
    if (e.older !== undefined) e.older.newer = e.newer;
    else this.oldest = e.newer;
    if (e.newer !== undefined) e.newer.older = e.older;
    else this.newest = e.older;
    e.older = undefined;
    e.newer = undefined;
  }
}

function clearSilenced(e: TraceEntry): void {
  e.silenced[0] = 0;
  e.silenced[1] = 0;
  e.silenced[2] = 0;
  e.silencedTotal = 0;
}

function newEntry(): TraceEntry {
  return {
    traceId: '',
    kept: 0,
    silenced: [0, 0, 0],
    silencedTotal: 0,
    lastSeen: 0.5,
    spanContext: undefined,
    resource: undefined,
    scope: undefined,
    newer: undefined,
    older: undefined,
  };
}
