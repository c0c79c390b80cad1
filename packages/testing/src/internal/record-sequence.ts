import type { GeneratedLogRecord, RecordGenerator, RecordGeneratorOptions } from '../types';
import type { Prng } from './prng';
import { TraceScheduler } from './trace-scheduler';

/** What a generator draws for one record; the sequence adds id, time and trace context. */
export type RecordContent = Pick<
  GeneratedLogRecord,
  'severityNumber' | 'severityText' | 'body' | 'attributes'
>;

function check(name: string, value: number, ok: boolean, expected: string): number {
  if (!ok) throw new RangeError(`${name} must be ${expected}, got ${value}`);
  return value;
}

/**
 * The part every record generator shares: the seeded PRNG, sequence numbers, evenly spaced
 * timestamps, and trace contexts from a {@link TraceScheduler} whose spans carry a tag of the
 * subclass's choosing (the synthetic generator's service).
 */
export abstract class RecordSequence<T> implements RecordGenerator {
  protected readonly prng: Prng;
  private readonly traces: TraceScheduler<T>;
  private readonly noTraceContextShare: number;
  private readonly startTimeMs: number;
  private readonly intervalMicros: number;
  private readonly idAttribute: string | false;
  private nextId = 0;

  /** `prng` is seeded from `options.seed` by the subclass, which may draw from it too. */
  protected constructor(
    prng: Prng,
    options: RecordGeneratorOptions,
    rootTag: () => T,
    childTag: (parent: T) => T,
  ) {
    const share = options.noTraceContextShare ?? 0.1;
    const perTrace = options.recordsPerTrace ?? 20;
    const concurrent = options.concurrentTraces ?? 8;
    this.noTraceContextShare = check(
      'noTraceContextShare',
      share,
      share >= 0 && share <= 1,
      'in [0, 1]',
    );
    check('recordsPerTrace', perTrace, perTrace >= 1 && perTrace < Infinity, 'a finite number ≥ 1');
    check(
      'concurrentTraces',
      concurrent,
      Number.isInteger(concurrent) && concurrent >= 1,
      'an integer ≥ 1',
    );
    this.startTimeMs = options.startTimeMs ?? Date.UTC(2026, 0, 1);
    check('startTimeMs', this.startTimeMs, Number.isFinite(this.startTimeMs), 'finite');
    this.intervalMicros = options.intervalMicros ?? 20;
    check(
      'intervalMicros',
      this.intervalMicros,
      this.intervalMicros >= 0 && this.intervalMicros < Infinity,
      'a finite number ≥ 0',
    );
    this.idAttribute = options.idAttribute ?? 'test.id';
    this.prng = prng;
    this.traces = new TraceScheduler(this.prng, {
      recordsPerTrace: perTrace,
      concurrentTraces: concurrent,
      rootTag,
      childTag,
    });
  }

  /** The content of the next record, written in a span tagged `tag` (undefined: no trace). */
  protected abstract draw(tag: T | undefined): RecordContent;

  next(): GeneratedLogRecord {
    const id = this.nextId++;
    const span = this.prng.random() >= this.noTraceContextShare ? this.traces.next() : undefined;
    const content = this.draw(span?.tag);
    if (this.idAttribute !== false) content.attributes[this.idAttribute] = id;
    const rec: GeneratedLogRecord = {
      id,
      timestamp: this.startTimeMs + (id * this.intervalMicros) / 1000,
      ...content,
    };
    if (span) {
      rec.spanContext = span.spanContext;
      if (span.parentSpanId !== undefined) rec.parentSpanId = span.parentSpanId;
    }
    return rec;
  }

  take(n: number): GeneratedLogRecord[] {
    const out = new Array<GeneratedLogRecord>(n);
    for (let i = 0; i < n; i++) out[i] = this.next();
    return out;
  }

  random(): number {
    return this.prng.random();
  }
}
