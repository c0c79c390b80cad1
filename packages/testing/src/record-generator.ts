import { type Context, ROOT_CONTEXT, type SpanContext, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { encodeLogsDataLine } from '@spillway/record-format';
import { type CorpusLine, loadCorpus } from './corpus';

/** Options of {@link CorpusRecordGenerator}. */
export interface RecordGeneratorOptions {
  /** PRNG seed: the same seed gives the same records. Default 1. */
  seed?: number;
  /** Share of records without trace context, 0–1. Default 0.1. */
  noTraceContextShare?: number;
  /** Mean records per trace. Default 20. */
  recordsPerTrace?: number;
  /** Traces in flight at once (records of concurrent traces interleave). Default 8. */
  concurrentTraces?: number;
  /** Timestamp of the first record, ms since the epoch. Default 2026-01-01T00:00:00Z. */
  startTimeMs?: number;
  /** Time between records, µs. Default 20 (50k records/s). */
  intervalMicros?: number;
  /** Attribute carrying the record's sequence number, or false for none. Default `test.id`. */
  idAttribute?: string | false;
  /** Corpus lines to draw from. Default: the whole LogHub sample. */
  lines?: CorpusLine[];
}

/** A generated record, ready for `logger.emit` (see {@link toLogRecord}). */
export interface GeneratedLogRecord {
  /** Sequence number from 0. */
  id: number;
  /** ms since the epoch (fractional). */
  timestamp: number;
  severityNumber: number;
  severityText: string;
  body: string;
  attributes: Record<string, string | number>;
  spanContext?: SpanContext;
}

// W3C trace flags: sampled (0x01) and, from Trace Context Level 2, random (0x02).
const SAMPLED_AND_RANDOM = 0x03;

/**
 * Realistic log records from the LogHub corpus: real bodies and the real level mix, with trace
 * contexts (random 16-byte trace ids, W3C random flag) shared by runs of records, and a share
 * without trace context. Deterministic given a seed.
 */
export class CorpusRecordGenerator {
  private state: number;
  private readonly lines: CorpusLine[];
  private readonly cursors = new Map<string, number>();
  private readonly systems: string[];
  private readonly bySystem = new Map<string, CorpusLine[]>();
  private readonly traces: SpanContext[] = [];
  private nextId = 0;
  private readonly opts: Required<Omit<RecordGeneratorOptions, 'lines' | 'seed'>>;

  constructor(options: RecordGeneratorOptions = {}) {
    this.state = (options.seed ?? 1) >>> 0 || 1;
    this.lines = options.lines ?? loadCorpus();
    for (const l of this.lines) {
      let list = this.bySystem.get(l.system);
      if (!list) {
        list = [];
        this.bySystem.set(l.system, list);
      }
      list.push(l);
    }
    this.systems = [...this.bySystem.keys()];
    this.opts = {
      noTraceContextShare: options.noTraceContextShare ?? 0.1,
      recordsPerTrace: options.recordsPerTrace ?? 20,
      concurrentTraces: options.concurrentTraces ?? 8,
      startTimeMs: options.startTimeMs ?? Date.UTC(2026, 0, 1),
      intervalMicros: options.intervalMicros ?? 20,
      idAttribute: options.idAttribute ?? 'test.id',
    };
  }

  /** The next record. */
  next(): GeneratedLogRecord {
    const id = this.nextId++;
    // Each system's lines are read in order, as its log was written; systems interleave.
    const system = this.systems[this.int(this.systems.length)]!;
    const list = this.bySystem.get(system)!;
    const cursor = this.cursors.get(system) ?? 0;
    this.cursors.set(system, (cursor + 1) % list.length);
    const line = list[cursor]!;
    const attributes: Record<string, string | number> = {
      'corpus.system': line.system,
    };
    if (line.component) attributes['code.namespace'] = line.component;
    if (this.opts.idAttribute !== false) attributes[this.opts.idAttribute] = id;
    const rec: GeneratedLogRecord = {
      id,
      timestamp: this.opts.startTimeMs + (id * this.opts.intervalMicros) / 1000,
      severityNumber: line.severityNumber,
      severityText: line.severityText,
      body: line.body,
      attributes,
    };
    if (this.random() >= this.opts.noTraceContextShare) rec.spanContext = this.spanContext();
    return rec;
  }

  /** The next `n` records. */
  take(n: number): GeneratedLogRecord[] {
    const out = new Array<GeneratedLogRecord>(n);
    for (let i = 0; i < n; i++) out[i] = this.next();
    return out;
  }

  /** Uniform in [0, 1). */
  random(): number {
    return this.uint32() / 4294967296;
  }

  private int(n: number): number {
    return Math.floor(this.random() * n);
  }

  // mulberry32: small, fast, good enough for test data.
  private uint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  private hex(bytes: number): string {
    let s = '';
    for (let i = 0; i < bytes; i += 4) s += this.uint32().toString(16).padStart(8, '0');
    return s.slice(0, bytes * 2);
  }

  private spanContext(): SpanContext {
    const slot = this.int(this.opts.concurrentTraces);
    let sc = this.traces[slot];
    if (sc === undefined || this.random() < 1 / this.opts.recordsPerTrace) {
      sc = { traceId: this.hex(16), spanId: this.hex(8), traceFlags: SAMPLED_AND_RANDOM };
      this.traces[slot] = sc;
    }
    return sc;
  }
}

/** The OTel context carrying a generated record's span context (ROOT_CONTEXT when none). */
export function contextOf(rec: GeneratedLogRecord): Context {
  return rec.spanContext ? trace.setSpanContext(ROOT_CONTEXT, rec.spanContext) : ROOT_CONTEXT;
}

/** What `logger.emit` takes, for both OTel lines (structural: the logs API types differ). */
export interface EmittableLogRecord {
  timestamp: number;
  severityNumber: number;
  severityText: string;
  body: string;
  attributes: Record<string, string | number>;
  context: Context;
}

/** A generated record as `logger.emit` takes it. */
export function toLogRecord(rec: GeneratedLogRecord): EmittableLogRecord {
  return {
    timestamp: rec.timestamp,
    severityNumber: rec.severityNumber,
    severityText: rec.severityText,
    body: rec.body,
    attributes: rec.attributes,
    context: contextOf(rec),
  };
}

/**
 * Generated records as `ReadableLogRecord`s without an SDK, sharing one resource and scope, for
 * encoders and benchmarks.
 */
export function toReadableLogRecords(
  recs: ReadonlyArray<GeneratedLogRecord>,
  serviceName = 'corpus-service',
): ReadableLogRecord[] {
  const resource = resourceFromAttributes({ 'service.name': serviceName });
  const scope = { name: 'spillway-corpus', version: '1.0.0' };
  return recs.map((r) => {
    const ms = Math.floor(r.timestamp);
    const hrTime: [number, number] = [
      Math.floor(ms / 1000),
      (ms % 1000) * 1e6 + Math.round((r.timestamp - ms) * 1e6),
    ];
    const rec: { -readonly [K in keyof ReadableLogRecord]: ReadableLogRecord[K] } = {
      hrTime,
      hrTimeObserved: hrTime,
      severityNumber: r.severityNumber as ReadableLogRecord['severityNumber'],
      severityText: r.severityText,
      body: r.body,
      attributes: r.attributes,
      droppedAttributesCount: 0,
      resource,
      instrumentationScope: scope,
    };
    if (r.spanContext) rec.spanContext = r.spanContext;
    return rec;
  });
}

/**
 * The records as OTLP/JSON lines (one `LogsData` per `batchSize` records), the raw size that
 * compression ratios are measured against.
 */
export function otlpJsonLines(recs: ReadonlyArray<ReadableLogRecord>, batchSize = 512): Buffer {
  const parts: string[] = [];
  for (let i = 0; i < recs.length; i += batchSize) {
    parts.push(`${encodeLogsDataLine(recs.slice(i, i + batchSize))}\n`);
  }
  return Buffer.from(parts.join(''), 'utf8');
}
