import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { describe, expect, it } from 'vitest';
import { nanosStringToHrTime, OtlpJsonDecoder } from '../src/otlp-json-decode';
import {
  encodeLogsDataLine,
  hrTimeToNanosString,
  toOtlpJsonAnyValue,
} from '../src/otlp-json-encode';

function setup() {
  const resource = resourceFromAttributes({ 'service.name': 'svc', 'k8s.pod.uid': 'abc' });
  const scope = { name: 'scope-a', version: '2.0.0', attributes: { 'scope.attr': 1 } };
  const record: ReadableLogRecord = {
    hrTime: [1_700_000_000, 123_456_789],
    hrTimeObserved: [1_700_000_001, 5],
    severityNumber: 13 as ReadableLogRecord['severityNumber'],
    severityText: 'WARN',
    body: { msg: 'héllo', list: [1, 2.5, 'x', true, null], raw: new Uint8Array([0, 1, 254]) },
    eventName: 'evt',
    attributes: { a: 'b', n: 7, f: 0.5, t: true, arr: ['x', 'y'] },
    droppedAttributesCount: 2,
    resource,
    instrumentationScope: scope,
    spanContext: {
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: 3,
    },
  };
  return { resource, scope, record };
}

describe('encodeLogsDataLine', () => {
  it('should write the OTLP/JSON mapping (hex ids, string uint64, integer enums)', () => {
    const { record } = setup();
    const data = JSON.parse(encodeLogsDataLine([record]));
    const lr = data.resourceLogs[0].scopeLogs[0].logRecords[0];
    expect(lr.timeUnixNano).toBe('1700000000123456789');
    expect(lr.observedTimeUnixNano).toBe('1700000001000000005');
    expect(lr.severityNumber).toBe(13);
    expect(lr.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(lr.flags).toBe(3);
    expect(lr.attributes).toContainEqual({ key: 'n', value: { intValue: '7' } });
    expect(lr.attributes).toContainEqual({ key: 'f', value: { doubleValue: 0.5 } });
    expect(lr.body.kvlistValue.values[2]).toEqual({ key: 'raw', value: { bytesValue: 'AAH+' } });
    expect(data.resourceLogs[0].scopeLogs[0].scope).toEqual({
      name: 'scope-a',
      version: '2.0.0',
      attributes: [{ key: 'scope.attr', value: { intValue: '1' } }],
    });
  });

  it('should group records by resource and scope', () => {
    const { record, resource } = setup();
    const otherScope = { ...record, instrumentationScope: { name: 'scope-b' } };
    const otherResource = { ...record, resource: resourceFromAttributes({ x: 1 }) };
    const data = JSON.parse(encodeLogsDataLine([record, otherScope, record, otherResource]));
    expect(data.resourceLogs).toHaveLength(2);
    expect(data.resourceLogs[0].scopeLogs).toHaveLength(2);
    expect(data.resourceLogs[0].scopeLogs[0].logRecords).toHaveLength(2);
    expect(resource.attributes['service.name']).toBe('svc');
  });

  it('should spell non-finite doubles as strings', () => {
    expect(toOtlpJsonAnyValue(Number.NaN)).toEqual({ doubleValue: 'NaN' });
    expect(toOtlpJsonAnyValue(-Infinity)).toEqual({ doubleValue: '-Infinity' });
  });
});

describe('OtlpJsonDecoder', () => {
  describe('decodeLine', () => {
    it('should round-trip every field', () => {
      const { record } = setup();
      const [back] = new OtlpJsonDecoder().decodeLine(encodeLogsDataLine([record]));
      expect(back!.hrTime).toEqual(record.hrTime);
      expect(back!.hrTimeObserved).toEqual(record.hrTimeObserved);
      expect(back!.severityNumber).toBe(13);
      expect(back!.severityText).toBe('WARN');
      expect(back!.body).toEqual(record.body);
      expect(back!.eventName).toBe('evt');
      expect(back!.attributes).toEqual(record.attributes);
      expect(back!.droppedAttributesCount).toBe(2);
      expect(back!.spanContext).toEqual(record.spanContext);
      expect(back!.resource.attributes).toEqual(record.resource.attributes);
      expect(back!.instrumentationScope).toEqual(record.instrumentationScope);
    });

    it('should share resources and scopes across lines', () => {
      const { record } = setup();
      const decoder = new OtlpJsonDecoder();
      const line = encodeLogsDataLine([record]);
      const [a] = decoder.decodeLine(line);
      const [b] = decoder.decodeLine(line);
      expect(a!.resource).toBe(b!.resource);
      expect(a!.instrumentationScope).toBe(b!.instrumentationScope);
    });
  });
});

describe('hrTime conversions', () => {
  it('should be exact beyond 2^53 nanoseconds', () => {
    expect(hrTimeToNanosString([1_800_000_000, 999_999_999])).toBe('1800000000999999999');
    expect(nanosStringToHrTime('1800000000999999999')).toEqual([1_800_000_000, 999_999_999]);
    expect(nanosStringToHrTime('42')).toEqual([0, 42]);
    expect(hrTimeToNanosString([0, 42])).toBe('42');
  });
});
