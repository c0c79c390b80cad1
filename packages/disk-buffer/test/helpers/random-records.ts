import { createTraceState } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import fc from 'fast-check';
import { encodeLogRecordBatch } from '../../src/index';

// Random batches of every field and value kind the codec stores, for the property tests of the
// readers of stored payloads (the OTLP transcoder, the sender's scan): each compares itself with
// the decoder on these.

export const resources = [
  resourceFromAttributes({ 'service.name': 'checkout', 'host.id': 7, ready: true, 'x.ratio': 0.5 }),
  resourceFromAttributes({ 'service.name': 'émoji 🚀', 0: 'index key', '12': -3 }),
  resourceFromAttributes({
    'process.command_args': ['node', 'app.js'],
    weights: [1.5, -2],
    flags: [true, null, false],
    none: [],
  }),
  resourceFromAttributes({}, { schemaUrl: 'https://opentelemetry.io/schemas/1.30.0' }),
  // The same attributes as the first, another object: one key, one group after decoding.
  resourceFromAttributes({ 'service.name': 'checkout', 'host.id': 7, ready: true, 'x.ratio': 0.5 }),
];
export const scopes = [
  { name: 'app', version: '1.2.3', schemaUrl: 'https://opentelemetry.io/schemas/1.30.0' },
  { name: '' },
  { name: 'lib/db', attributes: { 'db.system': 'pg', pool: [1, 2], nested: { a: null } } },
  { name: 'dropping', droppedAttributesCount: 3, attributes: {} },
];

const hex = (bytes: number) =>
  fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Buffer.from(b).toString('hex'));
const key = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 6 }),
  fc.constantFrom('0', '7', '42', '007', '4294967294', '4294967295', '__proto__', '', 'ключ'),
);
const scalar = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({ maxLength: 200 }),
  fc.constantFrom('a\ud800b', '\udc00', '🚀🚀', 'ünïcödé', ''),
  fc.integer(),
  fc.constantFrom(0, -0, -1, 2 ** 31, -(2 ** 31) - 1, 2 ** 53, -(2 ** 53), 2 ** 63, -(2 ** 63)),
  fc.constantFrom(2 ** 64, 1e300, Number.NaN, Number.POSITIVE_INFINITY, -1.5),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
  fc.uint8Array({ maxLength: 40 }),
);
const value = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(key, tie('v'), { maxKeys: 4 }),
  ),
})).v;

export const record = fc.record({
  resource: fc.nat(resources.length - 1),
  scope: fc.nat(scopes.length - 1),
  seconds: fc.oneof(
    fc.integer({ min: 0, max: 2 ** 32 - 1 }),
    fc.integer({ min: 2 ** 32, max: 18_000_000_000 }),
  ),
  nanos: fc.integer({ min: 0, max: 999_999_999 }),
  observedSeconds: fc.integer({ min: 0, max: 4_000_000_000 }),
  severityNumber: fc.option(fc.integer({ min: 0, max: 24 }), { nil: undefined }),
  severityText: fc.option(fc.constantFrom('', 'INFO', 'warn', 'Fehler ✗'), { nil: undefined }),
  body: fc.option(value, { nil: undefined }),
  attributes: fc.dictionary(key, value, { maxKeys: 6 }),
  droppedAttributesCount: fc.nat(3),
  span: fc.option(
    fc.record({
      traceId: hex(16),
      spanId: hex(8),
      traceFlags: fc.nat(255),
      isRemote: fc.boolean(),
      traceState: fc.option(fc.constantFrom('ot=th:e666', 'a=1,b=2'), { nil: undefined }),
    }),
    { nil: undefined },
  ),
  eventName: fc.option(fc.constantFrom('', 'checkout.done', 'событие'), { nil: undefined }),
});
export type RecordInput = typeof record extends fc.Arbitrary<infer T> ? T : never;

export function toRecord(r: RecordInput): ReadableLogRecord {
  const { span } = r;
  return {
    resource: resources[r.resource]!,
    instrumentationScope: scopes[r.scope]!,
    hrTime: [r.seconds, r.nanos],
    hrTimeObserved: [r.observedSeconds, r.nanos],
    severityNumber: r.severityNumber,
    severityText: r.severityText,
    body: r.body,
    attributes: r.attributes,
    droppedAttributesCount: r.droppedAttributesCount,
    spanContext: span && {
      ...span,
      traceState: span.traceState === undefined ? undefined : createTraceState(span.traceState),
    },
    eventName: r.eventName,
  } as unknown as ReadableLogRecord;
}

/** Payloads as the WAL stores them (normalised, then the codec), one per batch. */
export const payloadsOf = (batches: RecordInput[][]) =>
  batches.map((b) => Buffer.from(encodeLogRecordBatch(b.map(toRecord))));

/** One to four batches of up to ten records. */
export const batches = fc.array(fc.array(record, { minLength: 0, maxLength: 10 }), {
  minLength: 1,
  maxLength: 4,
});
