import { trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import {
  contextOf,
  otlpJsonLines,
  toLogRecord,
  toReadableLogRecords,
} from '../src/record-conversions';
import { SyntheticRecordGenerator } from '../src/synthetic-record-generator';

describe('toLogRecord', () => {
  it('should carry the span context in the emit context, and none without one', () => {
    const [traced] = new SyntheticRecordGenerator({ seed: 1, noTraceContextShare: 0 }).take(1);
    const lr = toLogRecord(traced!);
    expect(trace.getSpanContext(lr.context)).toEqual(traced!.spanContext);
    expect({ ...lr, context: undefined }).toEqual({
      timestamp: traced!.timestamp,
      severityNumber: traced!.severityNumber,
      severityText: traced!.severityText,
      body: traced!.body,
      attributes: traced!.attributes,
      context: undefined,
    });
    const [bare] = new SyntheticRecordGenerator({ seed: 1, noTraceContextShare: 1 }).take(1);
    expect(trace.getSpanContext(contextOf(bare!))).toBeUndefined();
  });
});

describe('toReadableLogRecords', () => {
  it('should keep time to the microsecond, the span context and the attributes', () => {
    const gen = new SyntheticRecordGenerator({
      seed: 2,
      startTimeMs: 1_700_000_000_123,
      intervalMicros: 250,
    });
    const recs = gen.take(5);
    const readable = toReadableLogRecords(recs, 'svc');
    expect(readable[3]!.hrTime).toEqual([1_700_000_000, 123_750_000]);
    expect(readable.map((r) => r.spanContext)).toEqual(recs.map((r) => r.spanContext));
    expect(readable.map((r) => r.attributes)).toEqual(recs.map((r) => r.attributes));
    expect(readable[0]!.resource.attributes['service.name']).toBe('svc');
  });
});

describe('otlpJsonLines', () => {
  it('should give one OTLP/JSON LogsData line per batch', () => {
    const recs = toReadableLogRecords(new SyntheticRecordGenerator({ seed: 1 }).take(1000));
    const lines = otlpJsonLines(recs, 256).toString('utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    const first = JSON.parse(lines[0]!);
    const logRecords = first.resourceLogs[0].scopeLogs[0].logRecords;
    expect(logRecords).toHaveLength(256);
    expect(first.resourceLogs[0].resource.attributes[0]).toEqual({
      key: 'service.name',
      value: { stringValue: 'generated-service' },
    });
    expect(typeof logRecords[0].timeUnixNano).toBe('string');
    // Multi-line bodies (stack traces) stay one JSON line.
    expect(lines.every((l) => JSON.parse(l).resourceLogs.length === 1)).toBe(true);
  });
});
