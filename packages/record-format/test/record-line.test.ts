import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { describe, expect, it } from 'vitest';
import { formatRecordLine, formatValue } from '../src/index';

function record(over: Partial<ReadableLogRecord> = {}): ReadableLogRecord {
  return {
    hrTime: [1_767_225_600, 123_456_789],
    hrTimeObserved: [1_767_225_601, 0],
    severityNumber: 17,
    severityText: 'ERROR',
    body: 'disk failed\n  at line 2',
    attributes: { 'test.id': 4, bytes: new Uint8Array([1, 2]) },
    droppedAttributesCount: 0,
    resource: { attributes: { 'service.name': 'shop' } },
    instrumentationScope: { name: 'x' },
    eventName: 'disk.failed',
    spanContext: {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: 1,
    },
    ...over,
  } as unknown as ReadableLogRecord;
}

describe('formatRecordLine', () => {
  it('should print time, level, service, body, attributes, event and trace context on one line', () => {
    expect(formatRecordLine(record())).toBe(
      '2026-01-01T00:00:00.123456789Z ERROR shop disk failed\\n  at line 2 test.id=4 bytes=base64:AQI= event=disk.failed trace_id=0af7651916cd43dd8448eb211c80319c span_id=b7ad6b7169203331',
    );
  });

  it('should use the observed time without a time, the class name without a text, and - without a service', () => {
    const r = record({
      hrTime: [0, 0],
      severityNumber: 14 as ReadableLogRecord['severityNumber'],
      severityText: undefined,
      body: { a: [1, true] },
      attributes: {},
      eventName: undefined,
      spanContext: undefined,
      resource: undefined as never,
    });
    expect(formatRecordLine(r)).toBe('2026-01-01T00:00:01.000000000Z WARN  - {"a":[1,true]}');
  });

  it('should colour the time and trailing fields dim and the level by class, only when asked', () => {
    const r = record({ attributes: {}, eventName: undefined, spanContext: undefined, body: 'x' });
    expect(formatRecordLine(r, { color: true })).toBe(
      '\x1b[2m2026-01-01T00:00:00.123456789Z\x1b[0m \x1b[31mERROR\x1b[0m shop x',
    );
    expect(formatRecordLine(r)).not.toContain('\x1b');
  });

  it('should escape every control character of a body, key or value, and survive a cycle', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const r = record({
      body: 'a\x1b[2Jb\tc\r',
      attributes: { 'k\ney': 'v\u0000', deep: cyclic as never },
      eventName: undefined,
      spanContext: undefined,
    });
    expect(formatRecordLine(r)).toBe(
      '2026-01-01T00:00:00.123456789Z ERROR shop a\\u001b[2Jb\\tc\\u000d k\\ney=v\\u0000 deep=[object Object]',
    );
  });
});

describe('formatValue', () => {
  it('should keep strings, write bytes as base64: and the rest as JSON', () => {
    expect(formatValue('a b')).toBe('a b');
    expect(formatValue(new Uint8Array([255]))).toBe('base64:/w==');
    expect(formatValue({ b: new Uint8Array([1]), n: 10n })).toBe('{"b":"base64:AQ==","n":"10"}');
    expect(formatValue(1.5)).toBe('1.5');
  });
});
