import type { SpanContext } from '@opentelemetry/api';
import type { Prng } from './prng';

// W3C trace flags: sampled (0x01) and, from Trace Context Level 2, random (0x02).
const SAMPLED_AND_RANDOM = 0x03;
// A request fans out into a handful of spans; a bound keeps one long trace from growing forever.
const MEAN_SPANS_PER_TRACE = 5;
const MAX_SPANS_PER_TRACE = 16;

/** The span a record is written in, with its parent and the caller's tag (e.g. its service). */
export interface ScheduledSpan<T> {
  spanContext: SpanContext;
  /** `undefined` for a trace's root span. */
  parentSpanId: string | undefined;
  tag: T;
}

export interface TraceSchedulerOptions<T> {
  /** Mean records per trace (≥ 1). */
  recordsPerTrace: number;
  /** Traces in flight at once (≥ 1): their records interleave. */
  concurrentTraces: number;
  /** The tag of a new root span. */
  rootTag: () => T;
  /** The tag of a child span of a span tagged `parent`. */
  childTag: (parent: T) => T;
}

interface OpenTrace<T> {
  traceId: string;
  spans: ScheduledSpan<T>[];
}

/**
 * Spreads records over traces as a busy service would: `concurrentTraces` traces in flight, each
 * record joining one of them at random (so traces interleave), a trace ending after
 * `recordsPerTrace` records on average (then a new one takes its place), and each trace growing
 * a tree of spans (child spans of random earlier spans) whose records mostly come from the
 * newest span.
 */
export class TraceScheduler<T> {
  private readonly slots: Array<OpenTrace<T> | undefined> = [];
  private readonly childChance: number;

  constructor(
    private readonly prng: Prng,
    private readonly options: TraceSchedulerOptions<T>,
  ) {
    this.childChance = Math.min(0.5, (MEAN_SPANS_PER_TRACE - 1) / options.recordsPerTrace);
  }

  /** The span the next traced record is written in. */
  next(): ScheduledSpan<T> {
    const p = this.prng;
    const slot = p.int(this.options.concurrentTraces);
    const open = this.slots[slot];
    if (open === undefined || p.random() < 1 / this.options.recordsPerTrace) {
      const traceId = p.hex(16);
      const root = this.span(traceId, undefined, this.options.rootTag());
      this.slots[slot] = { traceId, spans: [root] };
      return root;
    }
    if (open.spans.length < MAX_SPANS_PER_TRACE && p.random() < this.childChance) {
      const parent = p.pick(open.spans);
      const child = this.span(
        open.traceId,
        parent.spanContext.spanId,
        this.options.childTag(parent.tag),
      );
      open.spans.push(child);
      return child;
    }
    return p.chance(0.5) ? open.spans[open.spans.length - 1]! : p.pick(open.spans);
  }

  private span(traceId: string, parentSpanId: string | undefined, tag: T): ScheduledSpan<T> {
    return {
      spanContext: { traceId, spanId: this.prng.hex(8), traceFlags: SAMPLED_AND_RANDOM },
      parentSpanId,
      tag,
    };
  }
}
