import { createTraceState } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  emptySubstitutionCounts,
  MAX_TEXT_UNITS,
  normalizeLogRecord,
  renormalizeLogRecord,
} from '../src/index';
import { commonRecordUnits, NOT_COMMON } from '../src/normalize-common-shape';
import { UNITS_PER_VALUE } from '../src/normalize-value';

function isCleanCommonRecord(r: ReadableLogRecord, res: unknown, sc: unknown): boolean {
  return commonRecordUnits(r, res, sc) !== NOT_COMMON;
}

/** The budget units of a body and attributes, counted by the rule normalize-value.ts states. */
function unitsOf(r: ReadableLogRecord): number {
  let units = typeof r.body === 'string' ? r.body.length + UNITS_PER_VALUE : 0;
  for (const [k, v] of Object.entries(r.attributes)) {
    units += k.length + UNITS_PER_VALUE + (typeof v === 'string' ? v.length : 0) + UNITS_PER_VALUE;
  }
  return units;
}

const resource = resourceFromAttributes({ 'service.name': 'common-shape-test' });
const scope = { name: 'common-shape-test' };

// Values near every edge the full walk checks: lone surrogates, -0, NaN, fractions, out-of-range
// numbers, long texts, nested values, null-prototype maps, a trace state.
// Weighted towards clean values, so that most records come near the common shape.
const text = fc.oneof(
  { arbitrary: fc.string(), weight: 8 },
  { arbitrary: fc.string({ unit: 'binary' }), weight: 1 },
  {
    arbitrary: fc.constantFrom('\ud800', 'a\udc00b', 'x'.repeat(MAX_TEXT_UNITS + 1), ''),
    weight: 1,
  },
);
const number = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 24 }), weight: 12 },
  { arbitrary: fc.integer({ min: -2, max: 30 }), weight: 1 },
  {
    arbitrary: fc.constantFrom(-0, Number.NaN, 1.5, 2 ** 32, Number.POSITIVE_INFINITY),
    weight: 1,
  },
);
const value = fc.oneof(
  { arbitrary: text, weight: 4 },
  { arbitrary: number, weight: 4 },
  { arbitrary: fc.boolean(), weight: 2 },
  {
    arbitrary: fc.constantFrom(undefined, null, [1, 2], { nested: 'map' }, new Uint8Array(2)),
    weight: 1,
  },
);
const attributes = fc.oneof(
  { arbitrary: fc.dictionary(text, value, { maxKeys: 4 }), weight: 9 },
  { arbitrary: fc.constant(Object.assign(Object.create(null), { a: 'b' })), weight: 1 },
);
const spanContext = fc.option(
  fc.record({
    traceId: fc.oneof(text, fc.constant('0af7651916cd43dd8448eb211c80319c')),
    spanId: fc.oneof(text, fc.constant('b7ad6b7169203331')),
    traceFlags: number,
    isRemote: fc.constantFrom(undefined, true, false, 'yes'),
    traceState: fc.constantFrom(undefined, createTraceState('ot=rv:00112233445566')),
  }),
  { nil: undefined },
);
const record = fc.record({
  hrTime: fc.tuple(number, number),
  hrTimeObserved: fc.constantFrom([1_767_225_600, 0], [1, 999_999_999], [-1, 0], [0, 1e9]),
  severityNumber: fc.option(number, { nil: undefined }),
  severityText: fc.option(text, { nil: undefined }),
  eventName: fc.option(text, { nil: undefined }),
  body: fc.option(value, { nil: undefined }),
  attributes,
  droppedAttributesCount: number,
  spanContext,
});

describe('commonRecordUnits', () => {
  // First in this file, so that no resource or scope has been seen yet.
  it('should give a record without resource or scope a substitute, before any other record', () => {
    const counts = emptySubstitutionCounts();
    const bare = {
      hrTime: [1, 0],
      hrTimeObserved: [1, 0],
      attributes: {},
      droppedAttributesCount: 0,
    } as unknown as ReadableLogRecord;
    expect(isCleanCommonRecord(bare, undefined, undefined)).toBe(false);
    const out = normalizeLogRecord(bare, counts);
    expect(out).not.toBe(bare);
    expect(out.resource.attributes).toEqual({});
    expect(typeof out.instrumentationScope.name).toBe('string');
    expect(counts.type).toBe(2);
  });

  it('should accept only records the full normalisation leaves as they are', () => {
    let accepted = 0;
    fc.assert(
      fc.property(record, (fields) => {
        const r = {
          ...fields,
          resource,
          instrumentationScope: scope,
        } as unknown as ReadableLogRecord;
        const units = commonRecordUnits(r, resource, scope);
        if (units === NOT_COMMON) return;
        accepted++;
        expect(units).toBe(unitsOf(r));
        const counts = emptySubstitutionCounts();
        const copy = renormalizeLogRecord(r, counts);
        expect(Object.values(counts).every((n) => n === 0)).toBe(true);
        expect(copy.body).toBe(r.body);
        expect(copy.attributes).toEqual(r.attributes);
        // The copy spells isRemote: false by leaving it out.
        const sc = r.spanContext;
        expect(copy.spanContext).toEqual(
          sc === undefined ? undefined : { ...sc, isRemote: sc.isRemote === true || undefined },
        );
      }),
      { numRuns: 3000, seed: 14 },
    );
    // The property says something only if the fast path accepted a fair share of the records.
    expect(accepted).toBeGreaterThan(30);
  });

  it('should leave a record with another resource, a trace state or a nested value to the full walk', () => {
    const base = {
      hrTime: [1, 0],
      hrTimeObserved: [1, 0],
      attributes: { a: 'b' },
      droppedAttributesCount: 0,
      resource,
      instrumentationScope: scope,
    };
    const ok = base as unknown as ReadableLogRecord;
    expect(isCleanCommonRecord(ok, resource, scope)).toBe(true);
    expect(isCleanCommonRecord(ok, undefined, scope)).toBe(false);
    const nested = { ...base, attributes: { a: { b: 'c' } } } as unknown as ReadableLogRecord;
    expect(isCleanCommonRecord(nested, resource, scope)).toBe(false);
    const traced = {
      ...base,
      spanContext: {
        traceId: '0af7651916cd43dd8448eb211c80319c',
        spanId: 'b7ad6b7169203331',
        traceFlags: 1,
        traceState: createTraceState('a=b'),
      },
    } as unknown as ReadableLogRecord;
    expect(isCleanCommonRecord(traced, resource, scope)).toBe(false);
    const negativeZero = { ...base, hrTime: [-0, 0] } as unknown as ReadableLogRecord;
    expect(isCleanCommonRecord(negativeZero, resource, scope)).toBe(false);
  });
});
