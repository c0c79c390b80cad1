import { createRequire } from 'node:module';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import {
  encodedPayloadsOf,
  type OtlpTranscodedRequest,
  type StoredLogRecordBatch,
  transcodeToOtlpRequest,
} from '@spillway/disk-buffer';
import { encodeExportLogsServiceRequest } from '@spillway/record-format';

type ExporterConfig = ConstructorParameters<typeof OTLPLogExporter>[0];

interface Serializer {
  serializeRequest(records: ReadableLogRecord[]): Uint8Array | undefined;
  deserializeResponse(data: Uint8Array): unknown;
}

/** The parts of the OTLP exporter packages this file builds on (resolved from the exporter). */
interface ExporterParts {
  OTLPExporterBase: new (delegate: unknown) => LogRecordExporter;
  createOtlpGrpcExportDelegate(...args: unknown[]): unknown;
  convertLegacyOtlpGrpcOptions(config: unknown, signal: string): unknown;
  ProtobufLogsSerializer: Serializer;
  LogsExporterMetricsHelper: unknown;
}

/** How the batches of a {@link createOtlpGrpcLogExporter} exporter were serialized. */
export interface OtlpEncodingStats {
  /** Batches encoded by `@spillway/record-format`'s protobuf encoder. */
  batchesEncoded: number;
  /** Batches handed to the SDK's serializer (ids that are not hex; an encoder failure). */
  batchesBySdkSerializer: number;
  /** Requests given as bytes through `exportEncoded` (written elsewhere, e.g. from the WAL). */
  batchesPreEncoded: number;
  /**
   * Batches a disk buffer's sender delivered with the WAL payloads they came from, written from
   * those payloads (`transcodeToOtlpRequest`): their strings copied as stored, not encoded again.
   */
  batchesTranscoded: number;
}

/**
 * An OTLP gRPC log exporter that says how its batches were serialized, and that also takes
 * requests already encoded (`exportEncoded`; absent where the plain SDK exporter is used).
 */
export type OtlpGrpcLogExporter = LogRecordExporter & {
  getEncodingStats?(): OtlpEncodingStats;
  /**
   * Sends `request`, the protobuf bytes of one `ExportLogsServiceRequest` holding `recordCount`
   * records, through the same export delegate as `export` (its retries, timeout, compression,
   * concurrency limit and `otel.sdk.exporter.log.*` metrics, which count `recordCount` records);
   * `resultCallback` is called once, as for `export`. For a caller that wrote the request
   * itself (the export worker transcodes WAL payloads). The bytes are sent as they are, and must
   * stay unchanged until `resultCallback` is called: a request that fills its own ArrayBuffer is
   * handed to the transport without a copy.
   */
  exportEncoded?(
    request: Uint8Array,
    recordCount: number,
    resultCallback: (result: ExportResult) => void,
  ): void;
  /**
   * As `export(batch.records(), resultCallback)`, for a disk buffer's stored batch: the request
   * is written from `batch.payloads` (`transcodeToOtlpRequest`, counted in `batchesTranscoded`)
   * and sent as `exportEncoded` sends, no records built; a batch the transcoder declines or
   * cannot read is decoded and exported as `export` does. Present where `exportEncoded` is.
   */
  exportStored?(batch: StoredLogRecordBatch, resultCallback: (result: ExportResult) => void): void;
};

/** Which counter a request written before `export` is counted in when the delegate sends it. */
type PreEncodedCounter = 'batchesPreEncoded' | 'batchesTranscoded';

// The CommonJS build has an empty import.meta (esbuild); in ESM a global `__filename` may exist
// (`node -e` sets one), so import.meta decides.
const here = (import.meta as { url?: string }).url ?? __filename;
let parts: ExporterParts | null | undefined;

/**
 * The OTLP gRPC log exporter of `@opentelemetry/exporter-logs-otlp-grpc` — its configuration,
 * environment variables, credentials, compression, timeouts, retries and metrics, built by that
 * package's own export delegate — with the request bytes written by spillway's protobuf encoder
 * (`encodeExportLogsServiceRequest`): the SDK's serializer writes every string character by
 * character in JavaScript, after a pass that sizes them; the encoder writes each one once,
 * natively (about a third of the CPU per record: bench/node/otlp-encode.bench.mjs). The same request reaches the
 * collector (a test decodes both encodings of random records and compares them). A batch the
 * encoder does not take (a trace or span id that is not hex digits) goes through the SDK's
 * serializer. Where the installed exporter is not built the way this relies on (its
 * `createOtlpGrpcExportDelegate` with the 7 arguments of the 0.2xx and 0.3xx lines), this returns
 * the plain `OTLPLogExporter` (without `exportEncoded`). `exportEncoded` sends a request written
 * elsewhere through the same delegate: the export worker gives it requests transcoded straight
 * from the WAL's payloads (`transcodeToOtlpRequest` of `@spillway/disk-buffer`). On the main
 * thread too, a batch a disk buffer's sender delivered with its WAL payloads attached
 * (`encodedPayloadsOf`) is written from them rather than encoded from its records: the same
 * bytes, the stored UTF-8 copied. A batch the sender read back from the WAL comes as stored bytes
 * (`exportStored`) and is written the same way, its records never decoded.
 */
export function createOtlpGrpcLogExporter(config?: ExporterConfig): OtlpGrpcLogExporter {
  const p = exporterParts();
  if (p === null) return new OTLPLogExporter(config);
  const stats: OtlpEncodingStats = {
    batchesEncoded: 0,
    batchesBySdkSerializer: 0,
    batchesPreEncoded: 0,
    batchesTranscoded: 0,
  };
  const sdk = p.ProtobufLogsSerializer;
  // The delegate serialises what `export` is given: a pre-encoded request travels as a stand-in
  // array of `recordCount` empty slots (the metrics helper counts its length), its bytes found here.
  const preEncoded = new WeakMap<object, { request: Uint8Array; counter: PreEncodedCounter }>();
  // Records whose payloads the transcoder already declined: not transcoded a second time (the
  // sender retries a failed batch with the same array). Every batch with payloads is transcoded
  // in `export` below, before the delegate, so the serializer only encodes records.
  const declined = new WeakSet<object>();
  const serializer: Serializer = {
    serializeRequest(records) {
      const pre = preEncoded.get(records);
      if (pre !== undefined) {
        preEncoded.delete(records);
        stats[pre.counter]++;
        return wireBytes(pre.request);
      }
      let bytes: Uint8Array | undefined;
      try {
        bytes = encodeExportLogsServiceRequest(records);
      } catch {
        bytes = undefined;
      }
      if (bytes !== undefined) {
        stats.batchesEncoded++;
        return wireBytes(bytes);
      }
      stats.batchesBySdkSerializer++;
      return sdk.serializeRequest(records);
    },
    deserializeResponse: (data) => sdk.deserializeResponse(data),
  };
  const settings = config ?? {};
  const delegate = p.createOtlpGrpcExportDelegate(
    p.convertLegacyOtlpGrpcOptions(settings, 'LOGS'),
    serializer,
    'otlp_grpc_log_exporter',
    p.LogsExporterMetricsHelper,
    (settings as { selfObsMeterProvider?: unknown }).selfObsMeterProvider,
    'LogsExportService',
    '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
  );
  const exporter = new p.OTLPExporterBase(delegate) as OtlpGrpcLogExporter;
  exporter.getEncodingStats = () => ({ ...stats });
  const delegateExport = exporter.export.bind(exporter);
  // `release` gives a lent request's buffer back once the delegate is done with the bytes: its
  // callback comes after the transport's last attempt has ended.
  const sendEncoded = (
    request: Uint8Array,
    recordCount: number,
    counter: PreEncodedCounter,
    resultCallback: (result: ExportResult) => void,
    release?: () => void,
  ): void => {
    const done =
      release === undefined
        ? resultCallback
        : (result: ExportResult) => {
            release();
            resultCallback(result);
          };
    if (!Number.isSafeInteger(recordCount) || recordCount < 0) {
      const error = new RangeError(`recordCount ${recordCount}: not a non-negative integer`);
      done({ code: ExportResultCode.FAILED, error });
      return;
    }
    const items = new Array<ReadableLogRecord>(recordCount);
    preEncoded.set(items, { request, counter });
    delegateExport(items, done);
  };
  // The request transcoded from `payloads`, sent in a lent buffer; false where the transcoder
  // declines them (the caller then sends records).
  const sendTranscoded = (
    payloads: readonly Uint8Array[],
    recordCount: number,
    resultCallback: (result: ExportResult) => void,
  ): boolean => {
    const t = transcoded(payloads, recordCount);
    if (t === undefined) return false;
    sendEncoded(t.request, recordCount, 'batchesTranscoded', resultCallback, t.release);
    return true;
  };
  // A batch a disk buffer's sender delivered with its WAL payloads attached is transcoded here,
  // before the delegate, so that its request can be lent (the serializer cannot know when the
  // bytes are done with).
  exporter.export = (records, resultCallback) => {
    const payloads = declined.has(records) ? undefined : encodedPayloadsOf(records);
    if (payloads !== undefined) {
      if (sendTranscoded(payloads, records.length, resultCallback)) return;
      declined.add(records);
    }
    delegateExport(records, resultCallback);
  };
  exporter.exportEncoded = (request, recordCount, resultCallback) =>
    sendEncoded(request, recordCount, 'batchesPreEncoded', resultCallback);
  exporter.exportStored = (batch, resultCallback) => {
    if (sendTranscoded(batch.payloads, batch.recordCount, resultCallback)) return;
    let records: ReadableLogRecord[];
    try {
      records = batch.records();
    } catch (e) {
      resultCallback({ code: ExportResultCode.FAILED, error: e as Error });
      return;
    }
    declined.add(records);
    delegateExport(records, resultCallback);
  };
  return exporter;
}

/**
 * `bytes` as the gRPC transport takes them without a copy: its `send` makes a Buffer with
 * `Buffer.from(data)`, which copies a Uint8Array but views an ArrayBuffer. A request that fills
 * its own ArrayBuffer (what the encoder returns, and the transcoder's lent buffers) goes as that
 * ArrayBuffer: one allocation of the request's size fewer per export. In the export worker, whose
 * small heap each such allocation counts against, that cut its full collections from 22–31 to
 * 17–20 per 200,000 records (bench/RESULTS.md). The bytes had to stay unchanged until the
 * export's callback anyway (a lent buffer is given back there). Any other view (a slice of a
 * larger buffer, shared memory) goes as it is.
 */
function wireBytes(bytes: Uint8Array): Uint8Array {
  const whole =
    bytes.byteOffset === 0 &&
    bytes.byteLength === bytes.buffer.byteLength &&
    bytes.buffer instanceof ArrayBuffer;
  // The delegate hands what the serializer returns to the transport untouched.
  return whole ? (bytes.buffer as unknown as Uint8Array) : bytes;
}

/**
 * The exporter's own building blocks, required from its location: the delegate, serializer and
 * base class must be the copies it uses (the 3.x line nests them under the exporter), and the
 * CommonJS builds are what `require` gives. `null` when their shape is not the one known.
 */
function exporterParts(): ExporterParts | null {
  if (parts !== undefined) return parts;
  try {
    const req = createRequire(
      createRequire(here).resolve('@opentelemetry/exporter-logs-otlp-grpc'),
    );
    const base = req('@opentelemetry/otlp-exporter-base');
    const grpc = req('@opentelemetry/otlp-grpc-exporter-base');
    const transformer = req('@opentelemetry/otlp-transformer');
    const known =
      typeof base.OTLPExporterBase === 'function' &&
      typeof grpc.createOtlpGrpcExportDelegate === 'function' &&
      grpc.createOtlpGrpcExportDelegate.length === 7 &&
      typeof grpc.convertLegacyOtlpGrpcOptions === 'function' &&
      typeof transformer.ProtobufLogsSerializer?.serializeRequest === 'function' &&
      transformer.LogsExporterMetricsHelper !== undefined;
    parts = known
      ? {
          OTLPExporterBase: base.OTLPExporterBase,
          createOtlpGrpcExportDelegate: grpc.createOtlpGrpcExportDelegate,
          convertLegacyOtlpGrpcOptions: grpc.convertLegacyOtlpGrpcOptions,
          ProtobufLogsSerializer: transformer.ProtobufLogsSerializer,
          LogsExporterMetricsHelper: transformer.LogsExporterMetricsHelper,
        }
      : null;
  } catch {
    parts = null;
  }
  return parts;
}

/**
 * The request written from `payloads` in a lent buffer (`release` it in the export's callback),
 * or undefined where the transcoder declines them, cannot read them, or finds other than the
 * `recordCount` records they were said to hold.
 */
function transcoded(
  payloads: readonly Uint8Array[],
  recordCount: number,
): OtlpTranscodedRequest | undefined {
  let t: OtlpTranscodedRequest | undefined;
  try {
    t = transcodeToOtlpRequest(payloads, { lend: true });
  } catch {
    return undefined;
  }
  if (t === undefined || t.recordCount === recordCount) return t;
  t.release?.();
  return undefined;
}
