import { type Context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { encodeLogsDataLine } from '@spillway/record-format';
import type { EmittableLogRecord, GeneratedLogRecord } from './types';

/** The OTel context carrying a generated record's span context (ROOT_CONTEXT when none). */
export function contextOf(rec: GeneratedLogRecord): Context {
  return rec.spanContext ? trace.setSpanContext(ROOT_CONTEXT, rec.spanContext) : ROOT_CONTEXT;
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
  serviceName = 'generated-service',
): ReadableLogRecord[] {
  const resource = resourceFromAttributes({ 'service.name': serviceName });
  const scope = { name: 'spillway-testing', version: '1.0.0' };
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
