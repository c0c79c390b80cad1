import { createTraceState } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { afterEach, describe, expect, it } from 'vitest';
import { DiskBufferedLogRecordExporter } from '../src/index';
import { ByteWriter } from '../src/internal/byte-writer';
import { BatchDecoder } from '../src/internal/record-decoder';
import { encodeBatch } from '../src/internal/record-encoder';
import { CollectingExporter } from './helpers/collecting-exporter';
import { generatedRecords, removeTempDirs, tempDir } from './helpers/records';

type Mutable = { -readonly [K in keyof ReadableLogRecord]: ReadableLogRecord[K] };

function everyFieldRecords(): ReadableLogRecord[] {
  const resource = resourceFromAttributes(
    {
      'service.name': 'round-trip',
      'host.cores': 2,
      'deploy.canary': false,
      'k8s.labels': ['a', 'b'],
    },
    { schemaUrl: 'https://opentelemetry.io/schemas/1.30.0' },
  );
  const scope = {
    name: 'scope-with-everything',
    version: '3.1.4',
    schemaUrl: 'https://example.com/schema',
    attributes: { 'scope.attr': 'x', 'scope.n': 7 },
    droppedAttributesCount: 3,
  };
  const bareScope = { name: 'bare' };
  const big = 'ü'.repeat(512 * 1024) + 'x'.repeat(3); // > 1 MiB in UTF-8
  const base: Mutable = {
    hrTime: [1_767_225_600, 123_456_789],
    hrTimeObserved: [1_767_225_601, 999_999_999],
    resource,
    instrumentationScope: scope,
    attributes: {},
    droppedAttributesCount: 0,
  };
  const records: Mutable[] = [
    {
      ...base,
      severityNumber: 17,
      severityText: 'ERROR',
      eventName: 'checkout.failed',
      body: 'unicode: 日本語 🚀 \u0000 nul and \ud83d\ude00',
      spanContext: {
        traceId: '0af7651916cd43dd8448eb211c80319c',
        spanId: 'b7ad6b7169203331',
        traceFlags: 3,
        isRemote: true,
        traceState: createTraceState('ot=th:e666;rv:abcdef,vendor=v1'),
      },
      attributes: {
        str: 's',
        int: 42,
        negative: -2_147_483_648,
        large: 2 ** 53 - 1,
        double: 3.25,
        negZero: -0,
        nan: Number.NaN,
        inf: Number.NEGATIVE_INFINITY,
        yes: true,
        no: false,
        nothing: null,
        absent: undefined,
        bytes: new Uint8Array([0, 1, 2, 255]),
        list: [1, 'two', [3, { four: 4 }], null],
        nested: { a: { b: { c: [true, new Uint8Array([9])] } } },
        '': 'empty key',
      } as unknown as ReadableLogRecord['attributes'],
      droppedAttributesCount: 5,
    },
    { ...base, body: big, instrumentationScope: bareScope },
    { ...base, body: { map: { x: [1.5, -7] }, bytes: new Uint8Array(0) } as never },
    { ...base, body: new Uint8Array([1, 2, 3]) as never, severityNumber: 0 },
    { ...base, body: [1, 'a'] as never, severityText: '' },
    { ...base, hrTime: [0, 0], hrTimeObserved: [0, 1] },
    {
      ...base,
      spanContext: { traceId: 'not-hex', spanId: 'XYZ', traceFlags: 0 },
    },
  ];
  return records;
}

function comparable(r: ReadableLogRecord) {
  const sc = r.spanContext;
  return {
    hrTime: r.hrTime,
    hrTimeObserved: r.hrTimeObserved,
    severityNumber: r.severityNumber,
    severityText: r.severityText,
    body: r.body,
    eventName: r.eventName,
    attributes: r.attributes,
    droppedAttributesCount: r.droppedAttributesCount,
    resource: { attributes: r.resource.attributes, schemaUrl: r.resource.schemaUrl },
    scope: { ...r.instrumentationScope },
    span: sc && {
      traceId: sc.traceId,
      spanId: sc.spanId,
      traceFlags: sc.traceFlags,
      isRemote: sc.isRemote,
      traceState: sc.traceState?.serialize(),
    },
  };
}

afterEach(removeTempDirs);

describe('encodeBatch', () => {
  it('should round-trip every ReadableLogRecord field', () => {
    const records = everyFieldRecords();
    const w = new ByteWriter(16);
    encodeBatch(w, records);
    const back = new BatchDecoder().decode(w.buf, 0, w.pos);
    expect(back.map(comparable)).toEqual(records.map(comparable));
    expect(Object.is(back[0]!.attributes['negZero'], -0)).toBe(true);
    expect(back[0]!.attributes['bytes']).toBeInstanceOf(Uint8Array);
    // One resource object per distinct resource, as the SDK has it.
    expect(back[1]!.resource).toBe(back[0]!.resource);
  });

  it('should write each distinct resource and scope once, in first-seen order, when they interleave', () => {
    const [rec] = generatedRecords(1);
    const resA = resourceFromAttributes({ 'service.name': 'a' });
    const resB = resourceFromAttributes({ 'service.name': 'b' });
    const scopeX = { name: 'x' };
    const scopeY = { name: 'y', version: '2' };
    const pairs = [
      [resA, scopeX],
      [resA, scopeY],
      [resB, scopeX],
      [resA, scopeX],
      [resB, scopeY],
    ] as const;
    const records = pairs.map(([resource, instrumentationScope], i) => ({
      ...rec!,
      resource,
      instrumentationScope,
      body: `record ${i}`,
    }));
    const w = new ByteWriter();
    encodeBatch(w, records);
    // Codec version and text-block offset (5 bytes), then the resource count; the scope count
    // follows the two resources.
    expect(w.buf[5]).toBe(2);
    const back = new BatchDecoder().decode(w.buf, 0, w.pos);
    expect(
      back.map((r) => [r.resource.attributes['service.name'], r.instrumentationScope.name]),
    ).toEqual([
      ['a', 'x'],
      ['a', 'y'],
      ['b', 'x'],
      ['a', 'x'],
      ['b', 'y'],
    ]);
    expect(back.map((r) => r.body)).toEqual(records.map((r) => r.body));
    expect(back[3]!.resource).toBe(back[0]!.resource);
    expect(back[4]!.resource).toBe(back[2]!.resource);
    expect(back[4]!.instrumentationScope).toEqual({ name: 'y', version: '2' });
  });

  it('should encode an empty batch as no resources, no scopes and no records', () => {
    const w = new ByteWriter();
    encodeBatch(w, []);
    // Codec version, text-block offset, then three zero counts and an empty text block.
    expect(w.pos).toBe(8);
    expect([...w.buf.subarray(5, 8)]).toEqual([0, 0, 0]);
    expect(new BatchDecoder().decode(w.buf, 0, w.pos)).toEqual([]);
  });

  it('should encode generated records smaller than OTLP protobuf', async () => {
    const { ProtobufLogsSerializer } = await import('@opentelemetry/otlp-transformer');
    const records = generatedRecords(2000);
    const w = new ByteWriter();
    encodeBatch(w, records);
    const proto = ProtobufLogsSerializer.serializeRequest(records)!;
    expect(w.pos).toBeLessThanOrEqual(proto.length);
  });

  it('should rewrite a map of 128 or more attributes with a full count', () => {
    const attributes: Record<string, string> = {};
    for (let i = 0; i < 200; i++) attributes[`key.${i}`] = `value ${i}`;
    const [rec] = generatedRecords(1);
    const records = [{ ...rec!, attributes }, rec!];
    const w = new ByteWriter();
    encodeBatch(w, records);
    const back = new BatchDecoder().decode(w.buf, 0, w.pos);
    expect(back[0]!.attributes).toEqual(attributes);
    expect(back[1]!.body).toBe(rec!.body);
  });

  it('should keep later strings in place after a lone surrogate', () => {
    // UTF-8 cannot hold a lone surrogate (it becomes U+FFFD, one code unit as well): the strings
    // after it in the text block must still line up.
    const [rec] = generatedRecords(1);
    const records = [{ ...rec!, body: 'a\ud800b', attributes: { k: '\udc00', after: 'intact' } }];
    const w = new ByteWriter();
    encodeBatch(w, records);
    const back = new BatchDecoder().decode(w.buf, 0, w.pos);
    expect(back[0]!.body).toBe('a\ufffdb');
    expect(back[0]!.attributes).toEqual({ k: '\ufffd', after: 'intact' });
  });

  it('should encode a string built by += the same as a flat one', () => {
    let body = '';
    for (let i = 0; i < 300; i++) body += String.fromCharCode(97 + (i % 26));
    const [rec] = generatedRecords(1);
    const w = new ByteWriter();
    encodeBatch(w, [{ ...rec!, body }]);
    expect(new BatchDecoder().decode(w.buf, 0, w.pos)[0]!.body).toBe(body);
  });

  it('should read codec version 1 payloads (strings in place)', () => {
    // Written by hand from FORMAT.md: one resource, one scope, one record.
    const str = (s: string) => {
      const b = Buffer.from(s, 'utf8');
      return [b.length, ...b];
    };
    const u32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
    // biome-ignore format: one line per field, as FORMAT.md lists them
    const payload = Buffer.from([
      1, // codec version
      1, // resources
      1, ...str('service.name'), 6, ...str('v1-service'), 0, // attributes, no schema URL
      1, // scopes
      ...str('scope'), 0, 0, 0, 0, // name, no version/schema URL/attributes, 0 dropped
      1, // records
      0, 0, // resource 0, scope 0
      0x02 | 0x04 | 0x08, // flags: severity text, severity number, body
      ...u32(5), ...u32(1_767_225_600), // time
      ...u32(6), ...u32(1_767_225_600), // observed time
      9, // severity number
      ...str('INFO'),
      6, ...str('héllo wörld'), // body
      1, ...str('n'), 4, 10, // attributes: n = 5 (zigzag)
      0, // dropped attributes
    ]);
    const [back] = new BatchDecoder().decode(payload, 0, payload.length);
    expect(back!.resource.attributes).toEqual({ 'service.name': 'v1-service' });
    expect(back!.instrumentationScope).toEqual({ name: 'scope' });
    expect(back!.hrTime).toEqual([1_767_225_600, 5]);
    expect(back!.hrTimeObserved).toEqual([1_767_225_600, 6]);
    expect([back!.severityNumber, back!.severityText, back!.body]).toEqual([
      9,
      'INFO',
      'héllo wörld',
    ]);
    expect(back!.attributes).toEqual({ n: 5 });
  });

  it('should refuse a text block offset outside the payload', () => {
    const w = new ByteWriter();
    encodeBatch(w, generatedRecords(3));
    const buf = Buffer.from(w.buf.subarray(0, w.pos));
    buf.writeUInt32LE(buf.length + 1, 1);
    expect(() => new BatchDecoder().decode(buf, 0, buf.length)).toThrow(/text block offset/);
  });

  it('should fail loudly on a damaged payload', () => {
    const w = new ByteWriter();
    encodeBatch(w, generatedRecords(3));
    const buf = Buffer.from(w.buf.subarray(0, w.pos));
    expect(() => new BatchDecoder().decode(buf, 0, buf.length - 5)).toThrow(/overrun|bytes after/);
  });
});

describe('DiskBufferedLogRecordExporter', () => {
  describe('export', () => {
    it('should deliver every field unchanged through the WAL', async () => {
      const downstream = new CollectingExporter();
      const exporter = new DiskBufferedLogRecordExporter({
        exporter: downstream,
        directory: tempDir(),
        fsync: 'always',
      });
      const records = everyFieldRecords();
      const result = await new Promise((r) => exporter.export(records, r));
      expect(result).toEqual({ code: 0 });
      await exporter.forceFlush();
      expect(downstream.records.map(comparable)).toEqual(records.map(comparable));
      await exporter.shutdown();
    });
  });
});
