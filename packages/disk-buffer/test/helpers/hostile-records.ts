import { createTraceState } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import * as fc from 'fast-check';

/*
 * fast-check arbitraries for what an app can hand a log pipeline: every AnyValue kind, numbers
 * no field should hold, strings with lone surrogates, and values no encoder can walk (cycles,
 * 10,000 levels, Proxies and getters that throw). Hostile objects are built fresh per run by
 * factories, so a shrunk counterexample is rebuilt the same way.
 */

const HUGE = 'h'.repeat(1_100_000); // over a record's budget: shared, so runs stay cheap

/** Numbers that break naive encoders: non-finite, -0, past 2^53 and 2^64, fractions. */
export const hostileNumber = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    Number.NaN,
    -0,
    2 ** 31,
    2 ** 40,
    2 ** 53 + 2,
    2 ** 64,
    1e300,
    -1,
    0.5,
  ),
);

/** Strings of any UTF-16 code units (lone surrogates included), and a few known-bad ones. */
export const weirdString = fc.oneof(
  fc.string(),
  fc
    .array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 12 })
    .map((codes) => String.fromCharCode(...codes)),
  fc.constantFrom('\ud800', 'a\udc00b', '\ud83d', '\u0000', '__proto__', 'constructor', ''),
);

const hostileFactories: Record<string, () => unknown> = {
  cyclic: () => {
    const o: Record<string, unknown> = { a: 1 };
    o.self = o;
    return o;
  },
  cyclicArray: () => {
    const a: unknown[] = [1];
    a.push(a);
    return a;
  },
  deep: () => {
    let v: unknown = 'leaf';
    for (let i = 0; i < 10_000; i++) v = [v];
    return v;
  },
  throwingProxy: () =>
    new Proxy(
      {},
      {
        ownKeys() {
          throw new TypeError('ownKeys');
        },
        get() {
          throw new TypeError('get');
        },
      },
    ),
  throwingGetter: () => ({
    ok: 1,
    get bad(): never {
      throw new RangeError('getter');
    },
  }),
  throwingToJSON: () => ({
    toJSON() {
      throw new Error('toJSON');
    },
  }),
  date: () => new Date(0),
  fn: () => () => 1,
  symbol: () => Symbol('s'),
  bigint: () => 2n ** 70n,
  huge: () => HUGE,
};

/** A value no encoder can walk as it is, built fresh. */
export const hostileValue = fc
  .constantFrom(...Object.keys(hostileFactories))
  .map((name) => hostileFactories[name]!());

function plainMap(entries: Array<[string, unknown]>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) {
    Object.defineProperty(out, k, {
      value: v,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/** Any AnyValue kind, nested, with hostile values at any level. */
export const anyValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    weirdString,
    hostileNumber,
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.uint8Array({ maxLength: 16 }),
    hostileValue,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.array(fc.tuple(weirdString, tie('value')), { maxLength: 4 }).map(plainMap),
  ),
})).value;

/** Attribute maps as an app or a processor could set them. */
export const attributesArb = fc
  .array(fc.tuple(weirdString, anyValue), { maxLength: 6 })
  .map(plainMap);

/** A text field as loosely typed JS would pass it. */
export const looseText = fc.oneof(
  fc.constant(undefined),
  weirdString,
  hostileNumber,
  fc.constant(null),
  hostileValue,
);

/** A severity number as loosely typed JS would pass it. */
export const looseSeverity = fc.oneof(
  fc.constant(undefined),
  fc.integer({ min: 0, max: 24 }),
  hostileNumber,
  fc.constantFrom('9', '', 9n, null),
);

const hrTimeArb = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 2 ** 33 }), fc.integer({ min: 0, max: 999_999_999 })),
  fc.tuple(hostileNumber, hostileNumber),
);

const hex = (n: number) =>
  fc
    .array(fc.integer({ min: 0, max: 15 }), { minLength: n, maxLength: n })
    .map((d) => d.map((x) => x.toString(16)).join(''));

const resource = resourceFromAttributes({ 'service.name': 'hostile-input' });
const scope = { name: 'hostile-input', version: '1.0.0' };

/** ReadableLogRecords with every field loosely typed (as JS callers and other processors give them). */
export const hostileRecord: fc.Arbitrary<ReadableLogRecord> = fc
  .record({
    hrTime: hrTimeArb,
    hrTimeObserved: hrTimeArb,
    severityNumber: looseSeverity,
    severityText: looseText,
    eventName: looseText,
    body: anyValue,
    attributes: attributesArb,
    droppedAttributesCount: fc.oneof(fc.nat(), hostileNumber),
    span: fc.option(
      fc.record({
        traceId: fc.oneof(hex(32), weirdString),
        spanId: fc.oneof(hex(16), weirdString),
        traceFlags: fc.oneof(fc.integer({ min: 0, max: 255 }), hostileNumber),
        isRemote: fc.option(fc.boolean(), { nil: undefined }),
        traceState: fc.option(fc.constantFrom('ot=th:e666', 'vendor=v1,ot=rv:abcdef'), {
          nil: undefined,
        }),
      }),
      { nil: undefined },
    ),
  })
  .map((f) => {
    const r: Record<string, unknown> = {
      hrTime: f.hrTime,
      hrTimeObserved: f.hrTimeObserved,
      resource,
      instrumentationScope: scope,
      attributes: f.attributes,
      droppedAttributesCount: f.droppedAttributesCount,
    };
    for (const k of ['severityNumber', 'severityText', 'eventName', 'body'] as const) {
      if (f[k] !== undefined) r[k] = f[k];
    }
    if (f.span) {
      r.spanContext = {
        traceId: f.span.traceId,
        spanId: f.span.spanId,
        traceFlags: f.span.traceFlags,
        ...(f.span.isRemote === undefined ? {} : { isRemote: f.span.isRemote }),
        ...(f.span.traceState === undefined
          ? {}
          : { traceState: createTraceState(f.span.traceState) }),
      };
    }
    return r as unknown as ReadableLogRecord;
  });

/** The fields a round trip must keep, in plain values (resource and scope by content). */
export function comparable(r: ReadableLogRecord): Record<string, unknown> {
  const sc = r.spanContext;
  return {
    hrTime: r.hrTime,
    hrTimeObserved: r.hrTimeObserved,
    severityNumber: r.severityNumber,
    severityText: r.severityText,
    eventName: r.eventName,
    body: r.body,
    attributes: r.attributes,
    droppedAttributesCount: r.droppedAttributesCount,
    resource: r.resource.attributes,
    scope: { ...r.instrumentationScope },
    span: sc && {
      traceId: sc.traceId,
      spanId: sc.spanId,
      traceFlags: sc.traceFlags,
      isRemote: sc.isRemote === true, // false and absent are written alike
      traceState: sc.traceState?.serialize(),
    },
  };
}
