import { createRequire } from 'node:module';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import {
  emptySubstitutionCounts,
  encodeExportLogsServiceRequest,
  normalizeLogRecords,
} from '@spillway/record-format';
import {
  decodeExportLogsServiceRequest,
  OtlpGrpcLogsReceiver,
  type RawExportRequest,
} from '@spillway/testing';
import { WorkerThreadLogRecordExporter } from '@spillway/worker-exporter';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOtlpGrpcLogExporter } from '../src/otlp-grpc-log-exporter';
import { buffersGiven } from './helpers/buffers-given';

// The SDK's own protobuf serializer, from the copy the installed gRPC exporter uses.
const sdkRequire = createRequire(
  createRequire(__filename).resolve('@opentelemetry/exporter-logs-otlp-grpc'),
);
const { ProtobufLogsSerializer } = sdkRequire('@opentelemetry/otlp-transformer') as {
  ProtobufLogsSerializer: { serializeRequest(r: ReadableLogRecord[]): Uint8Array };
};

const resources = [
  resourceFromAttributes({ 'service.name': 'checkout', 'host.id': 7, 'k8s.pod.ready': true }),
  resourceFromAttributes({ 'service.name': 'émoji 🚀', weights: [1.5, -2] }),
];
const scopes = [
  { name: 'app', version: '1.2.3', schemaUrl: 'https://opentelemetry.io/schemas/1.30.0' },
  { name: '' },
  { name: 'lib/db' },
];

const hex = (bytes: number) =>
  fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Buffer.from(b).toString('hex'));
const scalar = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({ maxLength: 200 }),
  fc.integer(),
  fc.constantFrom(0, -0, 2 ** 53, -(2 ** 53), 2 ** 62, -(2 ** 63), 2 ** 63, 2 ** 64, 1e300),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.uint8Array({ maxLength: 20 }),
);
const value = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 12 }), tie('v'), { maxKeys: 4 }),
  ),
})).v;

const record = fc.record({
  resource: fc.nat(resources.length - 1),
  scope: fc.nat(scopes.length - 1),
  seconds: fc.integer({ min: 0, max: 18_000_000_000 }),
  nanos: fc.integer({ min: 0, max: 999_999_999 }),
  observedSeconds: fc.integer({ min: 0, max: 4_000_000_000 }),
  severityNumber: fc.option(fc.integer({ min: 0, max: 24 }), { nil: undefined }),
  severityText: fc.option(fc.constantFrom('', 'INFO', 'warn', 'Fehler ✗'), { nil: undefined }),
  body: fc.option(value, { nil: undefined }),
  attributes: fc.dictionary(fc.string({ maxLength: 20 }), value, { maxKeys: 6 }),
  droppedAttributesCount: fc.nat(3),
  span: fc.option(fc.record({ traceId: hex(16), spanId: hex(8), traceFlags: fc.nat(255) }), {
    nil: undefined,
  }),
  eventName: fc.option(fc.constantFrom('', 'checkout.done'), { nil: undefined }),
});

type RecordInput = typeof record extends fc.Arbitrary<infer T> ? T : never;

function toRecord(r: RecordInput): ReadableLogRecord {
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
    spanContext: r.span && { ...r.span, isRemote: false },
    eventName: r.eventName,
  } as unknown as ReadableLogRecord;
}

// proto3 reads an absent scalar field as its default: fields the SDK's serializer writes at their
// default (dropped counts of 0, an empty scope name) and the encoder leaves out are removed.
const DEFAULTS: Record<string, unknown> = {
  droppedAttributesCount: 0,
  severityNumber: 0,
  flags: 0,
  name: '',
  version: '',
  schemaUrl: '',
  severityText: '',
  eventName: '',
};
function canonical(x: unknown, parent = ''): unknown {
  if (Array.isArray(x)) return x.map((v) => canonical(v, parent));
  if (x === null || typeof x !== 'object' || Buffer.isBuffer(x)) return x;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(x)) {
    // Inside an AnyValue a default value is a value (`boolValue: false`), never left out.
    const inValue = parent === 'value' || parent === 'body' || parent === 'values';
    if (!inValue && k in DEFAULTS && v === DEFAULTS[k]) continue;
    out[k] = canonical(v, k);
  }
  return out;
}
const decoded = (bytes: Uint8Array): RawExportRequest =>
  canonical(decodeExportLogsServiceRequest(bytes)) as RawExportRequest;

describe('OTLP protobuf encoding', () => {
  it('decodes to what the SDK serializer writes, for random records', () => {
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 12 }), (input) => {
        const records = normalizeLogRecords(input.map(toRecord), emptySubstitutionCounts());
        const ours = encodeExportLogsServiceRequest(records);
        expect(ours).toBeDefined();
        expect(decoded(ours!)).toEqual(decoded(ProtobufLogsSerializer.serializeRequest(records)));
      }),
      { numRuns: 300 },
    );
  });

  it('writes nested messages past one length byte (records over 128 and 16,384 bytes)', () => {
    const body = 'x'.repeat(20_000);
    const records = normalizeLogRecords(
      [
        toRecord({ ...sampleRecord(), body }),
        toRecord({ ...sampleRecord(), body: 'y'.repeat(300) }),
      ],
      emptySubstitutionCounts(),
    );
    const got = decodeExportLogsServiceRequest(encodeExportLogsServiceRequest(records)!);
    const logs = got.resourceLogs![0]!.scopeLogs![0]!.logRecords!;
    expect(logs.map((l) => l.body?.stringValue?.length)).toEqual([20_000, 300]);
  });

  it('leaves a batch with a trace id that is not hex digits to the SDK serializer', () => {
    const r = toRecord(sampleRecord());
    (r as { spanContext: unknown }).spanContext = {
      traceId: 'not-a-trace-id-not-a-trace-id-xx',
      spanId: '0123456789abcdef',
      traceFlags: 1,
    };
    expect(encodeExportLogsServiceRequest([r])).toBeUndefined();
  });
});

function sampleRecord(): RecordInput {
  return fc.sample(record, { numRuns: 1, seed: 7 })[0]!;
}

describe('createOtlpGrpcLogExporter', () => {
  let receiver: OtlpGrpcLogsReceiver;
  beforeAll(async () => {
    receiver = await new OtlpGrpcLogsReceiver().start();
  });
  afterAll(() => receiver.stop());

  const send = (exporter: LogRecordExporter, records: ReadableLogRecord[]) =>
    new Promise<number>((resolve) => exporter.export(records, (r) => resolve(r.code)));

  it('delivers over real gRPC what the SDK exporter delivers, encoded by spillway', async () => {
    const records = normalizeLogRecords(
      fc.sample(record, { numRuns: 40, seed: 11 }).map(toRecord),
      emptySubstitutionCounts(),
    );
    const sdk = new OTLPLogExporter({ url: receiver.url });
    const ours = createOtlpGrpcLogExporter({ url: receiver.url });
    receiver.records.length = 0;
    expect(await send(sdk, records)).toBe(0);
    const viaSdk = receiver.records.splice(0);
    expect(await send(ours, records)).toBe(0);
    const viaOurs = receiver.records.splice(0);
    expect(viaOurs).toHaveLength(40);
    expect(viaOurs).toEqual(viaSdk);
    expect(ours.getEncodingStats?.()).toEqual({
      batchesEncoded: 1,
      batchesBySdkSerializer: 0,
      batchesPreEncoded: 0,
      batchesTranscoded: 0,
    });
    await Promise.all([sdk.shutdown(), ours.shutdown()]);
  });

  it('sends a batch the encoder does not take through the SDK serializer, counted', async () => {
    const r = toRecord(sampleRecord());
    (r as { spanContext: unknown }).spanContext = {
      traceId: 'zz'.repeat(16),
      spanId: '0123456789abcdef',
      traceFlags: 1,
    };
    const ours = createOtlpGrpcLogExporter({ url: receiver.url });
    receiver.records.length = 0;
    await send(ours, [r]);
    expect(ours.getEncodingStats?.()).toEqual({
      batchesEncoded: 0,
      batchesBySdkSerializer: 1,
      batchesPreEncoded: 0,
      batchesTranscoded: 0,
    });
    await ours.shutdown();
  });

  /** `n` generated records (normalised), exported once by a new exporter: what the receiver got. */
  async function sentThroughExport(n: number, seed: number) {
    const records = normalizeLogRecords(
      fc.sample(record, { numRuns: n, seed }).map(toRecord),
      emptySubstitutionCounts(),
    );
    const ours = createOtlpGrpcLogExporter({ url: receiver.url });
    receiver.records.length = 0;
    expect(await send(ours, records)).toBe(0);
    return { records, ours, viaExport: receiver.records.splice(0) };
  }

  it('sends a request given as bytes (exportEncoded) through the same delegate, counted', async () => {
    const { records, ours, viaExport } = await sentThroughExport(25, 12);
    const bytes = encodeExportLogsServiceRequest(records)!;
    const code = await new Promise<number>((resolve) =>
      ours.exportEncoded!(bytes, records.length, (r) => resolve(r.code)),
    );
    expect(code).toBe(0);
    expect(receiver.records.splice(0)).toEqual(viaExport);
    expect(ours.getEncodingStats?.()).toEqual({
      batchesEncoded: 1,
      batchesBySdkSerializer: 0,
      batchesPreEncoded: 1,
      batchesTranscoded: 0,
    });
    const refused = await new Promise<Error | undefined>((resolve) =>
      ours.exportEncoded!(bytes, -1, (r) => resolve(r.error)),
    );
    expect(refused?.message).toMatch(/recordCount -1/);
    await ours.shutdown();
  });

  it('gives the transport a request that fills its ArrayBuffer without a copy, and a view as it is', async () => {
    const { records, ours, viaExport } = await sentThroughExport(10, 31);
    const whole = encodeExportLogsServiceRequest(records)!;
    expect(whole.byteOffset === 0 && whole.byteLength === whole.buffer.byteLength).toBe(true);
    // The same bytes at an offset inside a larger buffer: a view the transport must copy.
    const larger = new Uint8Array(whole.byteLength + 16);
    larger.set(whole, 7);
    const view = larger.subarray(7, 7 + whole.byteLength);
    const given = await buffersGiven(async () => {
      for (const bytes of [whole, view]) {
        const code = await new Promise<number>((resolve) =>
          ours.exportEncoded!(bytes, records.length, (r) => resolve(r.code)),
        );
        expect(code).toBe(0);
        expect(receiver.records.splice(0)).toEqual(viaExport);
      }
    });
    expect(given).toContain(whole.buffer);
    expect(given).toContain(view);
    expect(given).not.toContain(larger.buffer);
    await ours.shutdown();
  });
});

// The export worker as @spillway/node builds it (SPILLWAY_EXPORT_THREAD=worker): the production
// factory module, from the build (`npx turbo run build --filter=@spillway/node...` first).
describe('createOtlpGrpcLogExporter in the export worker', () => {
  let receiver: OtlpGrpcLogsReceiver;
  beforeAll(async () => {
    receiver = await new OtlpGrpcLogsReceiver().start();
  });
  afterAll(() => receiver.stop());

  const worker = () =>
    new WorkerThreadLogRecordExporter({
      module: createRequire(__filename).resolve('@spillway/node/otlp-exporter-factory'),
      options: { env: { OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: receiver.url }, settings: undefined },
    });
  const send = (exporter: LogRecordExporter, records: ReadableLogRecord[]) =>
    new Promise<number>((resolve) => exporter.export(records, (r) => resolve(r.code)));

  it('takes the transcoded path and delivers the fields the main-thread encoder delivers', async () => {
    const records = normalizeLogRecords(
      fc.sample(record, { numRuns: 60, seed: 13 }).map(toRecord),
      emptySubstitutionCounts(),
    );
    const main = createOtlpGrpcLogExporter({ url: receiver.url });
    receiver.records.length = 0;
    expect(await send(main, records)).toBe(0);
    const viaMain = receiver.records.splice(0);
    // Grouped by resource and scope in each request: the receiver's order is the request's.
    expect(await send(main, records.slice(0, 7))).toBe(0);
    const viaMainFirst7 = receiver.records.splice(0);
    const inWorker = worker();
    try {
      expect(await send(inWorker, records)).toBe(0);
      expect(await send(inWorker, records.slice(0, 7))).toBe(0);
      const viaWorker = receiver.records.splice(0);
      expect(viaWorker).toHaveLength(67);
      expect(viaWorker.slice(0, 60)).toEqual(viaMain);
      expect(viaWorker.slice(60)).toEqual(viaMainFirst7);
      expect(inWorker.getStats()).toEqual({
        batchesFromStoredPayloads: 0,
        batchesEncoded: 2,
        batchesInSharedSlots: 2,
        batchesTranscoded: 2,
        batchesDecoded: 0,
        transcodeFallbacks: 0,
      });
    } finally {
      await Promise.all([main.shutdown(), inWorker.shutdown()]);
    }
  });

  it('falls back to decoding a batch the transcoder declines, delivering every record', async () => {
    const records = normalizeLogRecords(
      fc.sample(record, { numRuns: 10, seed: 14 }).map(toRecord),
      emptySubstitutionCounts(),
    );
    // Ids that are not hex: the WAL keeps them as text, the SDK's serializer sends them.
    const odd = {
      ...records[4]!,
      spanContext: { traceId: 'zz'.repeat(16), spanId: 'yy'.repeat(8), traceFlags: 1 },
    };
    records[4] = odd;
    const main = createOtlpGrpcLogExporter({ url: receiver.url });
    receiver.records.length = 0;
    expect(await send(main, records)).toBe(0);
    const viaMain = receiver.records.splice(0);
    expect(main.getEncodingStats?.().batchesBySdkSerializer).toBe(1);
    const inWorker = worker();
    try {
      expect(await send(inWorker, records)).toBe(0);
      const viaWorker = receiver.records.splice(0);
      expect(viaWorker).toHaveLength(10);
      expect(viaWorker).toEqual(viaMain);
      expect(inWorker.getStats()).toEqual({
        batchesFromStoredPayloads: 0,
        batchesEncoded: 1,
        batchesInSharedSlots: 1,
        batchesTranscoded: 0,
        batchesDecoded: 1,
        transcodeFallbacks: 1,
      });
    } finally {
      await Promise.all([main.shutdown(), inWorker.shutdown()]);
    }
  });
});
