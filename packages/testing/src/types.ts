import type { Context, SpanContext } from '@opentelemetry/api';

/** A log record as the test receiver decoded it from an OTLP/gRPC request. */
export interface ReceivedLogRecord {
  /** Resource attributes. */
  resource: Record<string, unknown>;
  resourceDroppedAttributesCount: number;
  resourceSchemaUrl: string;
  scope: {
    name: string;
    version: string;
    attributes: Record<string, unknown>;
    droppedAttributesCount: number;
    schemaUrl: string;
  };
  /** Nanoseconds since the epoch. */
  timeUnixNano: bigint;
  observedTimeUnixNano: bigint;
  severityNumber: number;
  severityText: string;
  /** The body as a JS value: string, number, boolean, Uint8Array, array, object, or null. */
  body: unknown;
  attributes: Record<string, unknown>;
  droppedAttributesCount: number;
  flags: number;
  /** Lowercase hex, '' when absent. */
  traceId: string;
  /** Lowercase hex, '' when absent. */
  spanId: string;
  eventName: string;
}

/** Options every record generator takes. */
export interface RecordGeneratorOptions {
  /** PRNG seed: the same seed gives the same records. Default 1. */
  seed?: number;
  /** Share of records without trace context, 0–1. Default 0.1. */
  noTraceContextShare?: number;
  /** Mean records per trace (≥ 1). Default 20. */
  recordsPerTrace?: number;
  /** Traces in flight at once (an integer ≥ 1; records of concurrent traces interleave). Default 8. */
  concurrentTraces?: number;
  /** Timestamp of the first record, ms since the epoch. Default 2026-01-01T00:00:00Z. */
  startTimeMs?: number;
  /** Time between records, µs. Default 20 (50k records/s). */
  intervalMicros?: number;
  /** Attribute carrying the record's sequence number, or false for none. Default `test.id`. */
  idAttribute?: string | false;
}

/** A generated record, ready for `logger.emit` (see `toLogRecord`). */
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
  /** The span id of the parent of `spanContext`'s span; absent for a root span or no trace. */
  parentSpanId?: string;
}

/** What every record generator offers: records in sequence, and its PRNG for test decisions. */
export interface RecordGenerator {
  /** The next record. */
  next(): GeneratedLogRecord;
  /** The next `n` records. */
  take(n: number): GeneratedLogRecord[];
  /** Uniform in [0, 1), from the generator's seeded PRNG. */
  random(): number;
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
