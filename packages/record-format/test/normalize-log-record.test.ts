import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { describe, expect, it } from 'vitest';
import {
  CYCLIC,
  cleanLogRecord,
  DEPTH_LIMIT,
  emptySubstitutionCounts,
  encodeLogsDataLine,
  MAX_RECORD_UNITS,
  MAX_TEXT_UNITS,
  MAX_VALUE_DEPTH,
  markNormalizedBatch,
  normalizeLogRecord,
  normalizeLogRecords,
  OtlpJsonDecoder,
  renormalizeLogRecord,
  SIZE_LIMIT,
  severityClassOf,
} from '../src/index';

type Mutable = { -readonly [K in keyof ReadableLogRecord]: ReadableLogRecord[K] };

const resource = resourceFromAttributes({ 'service.name': 'normalize-test' });
const scope = { name: 'normalize-test', version: '1.0.0' };

function setup(fields: Record<string, unknown> = {}): ReadableLogRecord {
  const base: Mutable = {
    hrTime: [1_767_225_600, 5],
    hrTimeObserved: [1_767_225_600, 6],
    resource,
    instrumentationScope: scope,
    attributes: { 'http.method': 'GET' },
    droppedAttributesCount: 0,
    severityNumber: 9 as Mutable['severityNumber'],
    severityText: 'INFO',
    body: 'hello',
  };
  return { ...base, ...fields } as ReadableLogRecord;
}

function nested(levels: number): unknown {
  let v: unknown = 'leaf';
  for (let i = 0; i < levels; i++) v = { next: v };
  return v;
}

/** The value `levels` maps down, or what stands there instead. */
function descend(v: unknown, levels: number): unknown {
  let at = v;
  for (let i = 0; i < levels && typeof at === 'object' && at !== null; i++) {
    at = (at as { next: unknown }).next;
  }
  return at;
}

describe('normalizeLogRecord', () => {
  it('should return a clean record itself, counting nothing', () => {
    const counts = emptySubstitutionCounts();
    const r = setup({ body: { nested: [1, 2.5, -0, Number.NaN, true, null, new Uint8Array(2)] } });
    expect(normalizeLogRecord(r, counts)).toBe(r);
    expect(counts).toEqual(emptySubstitutionCounts());
  });

  it('should map severityNumber Infinity, 2**40, -1, 9.5 and "9" to 0, keeping the original as text', () => {
    for (const n of [Number.POSITIVE_INFINITY, 2 ** 40, -1, 9.5, '9', 9n]) {
      const counts = emptySubstitutionCounts();
      const out = normalizeLogRecord(setup({ severityNumber: n, severityText: undefined }), counts);
      expect(out.severityNumber).toBe(0);
      expect(out.severityText).toBe(String(n));
      expect(counts.number).toBe(1);
    }
    const kept = normalizeLogRecord(
      setup({ severityNumber: Number.NaN, severityText: 'error' }),
      emptySubstitutionCounts(),
    );
    expect([kept.severityNumber, kept.severityText]).toEqual([0, 'error']);
    expect(severityClassOf(kept.severityNumber, kept.severityText)).toBe(4);
  });

  it('should stringify non-string eventName and severityText, and drop null ones', () => {
    const counts = emptySubstitutionCounts();
    const sym = Symbol('s');
    const out = normalizeLogRecord(setup({ eventName: 42, severityText: sym }), counts);
    expect(out.eventName).toBe('42');
    expect(out.severityText).toBe('Symbol(s)');
    expect(counts.text).toBe(2);
    const gone = normalizeLogRecord(setup({ eventName: null }), counts);
    expect('eventName' in gone).toBe(false);
  });

  it('should replace cycles, levels past the depth bound and reads that throw', () => {
    const counts = emptySubstitutionCounts();
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const hostile = new Proxy(
      {},
      {
        ownKeys() {
          throw new TypeError('no keys');
        },
      },
    );
    const getter = {
      ok: 1,
      get bad(): number {
        throw new RangeError('getter');
      },
    };
    const out = normalizeLogRecord(
      setup({
        body: cyclic,
        attributes: { deep: nested(10_000), hostile, getter },
      }),
      counts,
    );
    expect(out.body).toEqual({ a: 1, self: CYCLIC });
    expect(descend(out.attributes.deep, MAX_VALUE_DEPTH)).toBe(DEPTH_LIMIT);
    expect(out.attributes.hostile).toBe('[unreadable: TypeError]');
    expect(out.attributes.getter).toEqual({ ok: 1, bad: '[unreadable: RangeError]' });
    expect(counts).toMatchObject({ cyclic: 1, depth_limit: 1, unreadable: 2 });
  });

  it('should keep a value exactly at the depth bound', () => {
    const counts = emptySubstitutionCounts();
    const r = setup({ body: nested(MAX_VALUE_DEPTH) });
    expect(normalizeLogRecord(r, counts)).toBe(r);
    const out = normalizeLogRecord(setup({ body: nested(MAX_VALUE_DEPTH + 1) }), counts);
    expect(descend(out.body, MAX_VALUE_DEPTH)).toBe(DEPTH_LIMIT);
  });

  it('should never throw on a record that is itself a throwing Proxy', () => {
    const counts = emptySubstitutionCounts();
    const record = new Proxy({} as ReadableLogRecord, {
      get() {
        throw new Error('every field');
      },
    });
    const out = normalizeLogRecord(record, counts);
    expect(out.hrTime).toEqual([0, 0]);
    expect(out.body).toBe('[unreadable: Error]');
    expect(out.attributes).toEqual({});
    expect(counts.unreadable).toBeGreaterThan(0);
  });

  it('should carry, clamp or zero timestamps and counts outside their ranges', () => {
    const counts = emptySubstitutionCounts();
    const out = normalizeLogRecord(
      setup({
        hrTime: [Number.POSITIVE_INFINITY, Number.NaN],
        hrTimeObserved: [10.5, 1_500_000_000],
        droppedAttributesCount: 2 ** 40,
        spanContext: { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 2 ** 40 },
      }),
      counts,
    );
    expect(out.hrTimeObserved).toEqual([12, 0]);
    expect(out.hrTime).toEqual([12, 0]); // an unusable time takes the observed one
    expect(out.droppedAttributesCount).toBe(0xffffffff);
    expect(out.spanContext?.traceFlags).toBe(255);
    expect(counts.number).toBe(4);
  });

  it('should repair lone surrogates in strings and keys', () => {
    const counts = emptySubstitutionCounts();
    const out = normalizeLogRecord(
      setup({ body: 'a\ud800b', attributes: { '\udc00k': 'x' } }),
      counts,
    );
    expect(out.body).toBe('a\ufffdb');
    expect(out.attributes).toEqual({ '\ufffdk': 'x' });
    expect(counts.surrogate).toBe(2);
  });

  it('should bound a record: an oversized body becomes the placeholder, oversized attributes are dropped', () => {
    const counts = emptySubstitutionCounts();
    const huge = 'x'.repeat(MAX_RECORD_UNITS + 1);
    const out = normalizeLogRecord(
      setup({
        body: huge,
        attributes: { a: 'kept', b: huge },
        eventName: 'e'.repeat(MAX_TEXT_UNITS + 1),
      }),
      counts,
    );
    expect(out.body).toBe(SIZE_LIMIT);
    expect(out.attributes).toEqual({ a: 'kept' });
    expect(out.droppedAttributesCount).toBe(1);
    expect(out.eventName).toBe(SIZE_LIMIT);
    expect(counts.size_limit).toBe(3);
  });

  it('should keep a __proto__ key as an own key', () => {
    const attributes = JSON.parse('{"__proto__": {"x": 1}, "y": 2}') as Record<string, unknown>;
    const out = renormalizeLogRecord(setup({ attributes }), emptySubstitutionCounts());
    expect(Object.keys(out.attributes)).toEqual(['__proto__', 'y']);
    expect(Object.getPrototypeOf(out.attributes)).toBe(Object.prototype);
  });

  it('should map bigints, functions and class instances to AnyValue types', () => {
    const counts = emptySubstitutionCounts();
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
    }
    const out = normalizeLogRecord(
      setup({ body: { small: 5n, big: 2n ** 70n, fn: () => 1, at: new Point(1, 2) } }),
      counts,
    );
    expect(out.body).toEqual({
      small: 5,
      big: '1180591620717411303424',
      fn: undefined,
      at: { x: 1, y: 2 },
    });
    expect(counts.type).toBe(4);
  });

  it('should replace a resource whose attributes are hostile, once per resource', () => {
    const counts = emptySubstitutionCounts();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    // The 3.x line's resourceFromAttributes drops values that are not attribute values, so the
    // hostile resource is one made elsewhere (a detector, another SDK copy): a real resource whose
    // attributes say otherwise.
    const hostile = { 'service.name': 'svc', loop: cyclic };
    const bad = Object.create(resourceFromAttributes({ 'service.name': 'svc' }), {
      attributes: { value: hostile },
    }) as ReadableLogRecord['resource'];
    const a = normalizeLogRecord(setup({ resource: bad }), counts);
    const b = normalizeLogRecord(setup({ resource: bad }), counts);
    expect(a.resource).not.toBe(bad);
    expect(b.resource).toBe(a.resource);
    expect(() => JSON.stringify(a.resource.attributes)).not.toThrow();
    // The copy holds the substitute, as far as this OTel line's resources keep map values (2.x
    // keeps `loop: { self: CYCLIC }`, 3.x keeps only attribute values).
    expect(a.resource.attributes).toEqual(
      resourceFromAttributes({ 'service.name': 'svc', loop: { self: CYCLIC } as never }).attributes,
    );
    expect(a.resource.attributes['service.name']).toBe('svc');
    expect(counts.cyclic).toBe(1);
  });
});

describe('cleanLogRecord and markNormalizedBatch', () => {
  it('should check as normalizeLogRecord does, without marking the record', () => {
    const counts = emptySubstitutionCounts();
    const clean = setup();
    expect(cleanLogRecord(clean, counts)).toBe(clean);
    expect(Object.getOwnPropertySymbols(clean)).toEqual([]);
    const out = cleanLogRecord(setup({ body: 'a\ud800b' }), counts);
    expect(out.body).toBe('a\ufffdb');
    expect(counts.surrogate).toBe(1);
    // Unmarked: normalizeLogRecords walks the records again (a marked record would be skipped).
    const dirty = setup({ body: 'c\udc00' });
    expect(cleanLogRecord(dirty, counts)).not.toBe(dirty);
    expect(normalizeLogRecords([dirty], counts)[0]!.body).toBe('c\ufffd');
    expect(counts.surrogate).toBe(3);
  });

  it('should make normalizeLogRecords return a marked batch at once, and walk an unmarked one', () => {
    const counts = emptySubstitutionCounts();
    // A record that would need a copy: a marked batch is trusted as its marker said.
    const batch = [setup(), setup({ body: 'x\ud800' })];
    const unmarked = normalizeLogRecords(batch, counts);
    expect(unmarked).not.toBe(batch);
    expect(counts.surrogate).toBe(1);
    const marked = markNormalizedBatch([setup(), setup()]);
    expect(normalizeLogRecords(marked, counts)).toBe(marked);
    expect(counts.surrogate).toBe(1);
    // The mark is the array's, not its records': the same records in a new array are walked.
    const again = [...marked, setup({ body: 'y\ud800' })];
    expect(normalizeLogRecords(again, counts)[2]!.body).toBe('y\ufffd');
    expect(counts.surrogate).toBe(2);
  });
});

describe('encodeLogsDataLine', () => {
  it('should write hostile records as lines that parse back, neighbours intact', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const counts = emptySubstitutionCounts();
    const records = [
      setup({ body: 'before' }),
      setup({ body: cyclic, severityNumber: Number.POSITIVE_INFINITY, hrTime: [2 ** 60, 0] }),
      setup({ body: nested(10_000), attributes: { big: 1e300, huge: 2 ** 64 } }),
      setup({ body: 'after' }),
    ];
    const back = new OtlpJsonDecoder().decodeLine(encodeLogsDataLine(records, counts));
    expect(back.map((r) => r.body)).toEqual([
      'before',
      { self: CYCLIC },
      expect.anything(),
      'after',
    ]);
    expect(back[1]!.severityNumber).toBe(0);
    expect(back[2]!.attributes).toEqual({ big: 1e300, huge: 2 ** 64 });
    expect(counts).toMatchObject({ cyclic: 1, depth_limit: 1, number: 2 });
  });
});
