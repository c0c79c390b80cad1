import type { SpanContext } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import { BoundedLru } from './bounded-lru';
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
 * `maxTraces` (a {@link BoundedLru}: least recently seen evicted first) and by `ttlMillis` since a
 * trace was last seen.
 * Entries are recycled, so a trace costs an allocation only while the table is still growing.
 * Every trace that silenced something gets its summary when it leaves, whatever the reason.
 */
export class TraceSilencer {
  private readonly table: BoundedLru<string, TraceEntry>;
  private readonly free: TraceEntry[] = [];

  constructor(
    maxTraces: number,
    private readonly ttlMillis: number,
    private readonly onSummary: SummaryCallback,
    private readonly clock: Clock,
  ) {
    this.table = new BoundedLru(
      maxTraces,
      (e) => e.traceId,
      (e) => this.retire(e, 'evicted'),
    );
  }

  /** Traces in the table. */
  get size(): number {
    return this.table.size;
  }

  /** The entry of `traceId`, if present (no side effects). */
  get(traceId: string): TraceEntry | undefined {
    return this.table.get(traceId);
  }

  /** The entry of `traceId`, created if absent, marked as seen at `clock.now`. */
  touch(traceId: string): TraceEntry {
    let e = this.table.touch(traceId);
    if (e === undefined) {
      this.expire();
      e = this.free.pop() ?? newEntry();
      e.traceId = traceId;
      this.table.add(e);
    }
    e.lastSeen = this.clock.now;
    return e;
  }

  /** Removes traces not seen for longer than the TTL (oldest first; stops at the first fresh). */
  expire(): void {
    const now = this.clock.now;
    for (let e = this.table.oldest; e !== undefined; e = this.table.oldest) {
      if (now - e.lastSeen <= this.ttlMillis) return;
      this.table.delete(e);
      this.retire(e, 'ttl');
    }
  }

  /** Summaries for every trace with silenced records; the traces stay silenced. */
  flush(): void {
    this.table.forEach((e) => {
      if (e.silencedTotal > 0) {
        this.onSummary(e, 'flush');
        clearSilenced(e);
      }
    });
  }

  /** Removes every trace, with summaries. */
  clear(exit: SilenceExit): void {
    for (let e = this.table.oldest; e !== undefined; e = this.table.oldest) {
      this.table.delete(e);
      this.retire(e, exit);
    }
  }

  /** A trace leaving the table: its summary if it silenced records, then the entry is recycled. */
  private retire(e: TraceEntry, exit: SilenceExit): void {
    if (e.silencedTotal > 0) this.onSummary(e, exit);
    e.kept = 0;
    clearSilenced(e);
    e.spanContext = undefined;
    e.resource = undefined;
    e.scope = undefined;
    this.free.push(e);
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
