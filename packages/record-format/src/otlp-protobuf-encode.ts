import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { normalizeLogRecords, renormalizeLogRecord } from './normalize-log-record';
import { emptySubstitutionCounts, type SubstitutionCounts } from './normalize-value';
import { ProtobufWriter } from './protobuf-writer';
import { groupByResourceAndScope } from './record-groups';

/*
 * OTLP protobuf encoding of log records: the bytes of one `ExportLogsServiceRequest`, as the OTLP
 * gRPC and HTTP/protobuf exporters send them. The wire meaning is the SDK serializer's
 * (`@opentelemetry/otlp-transformer`), field by field: integers within int64 as `int_value`, other
 * numbers as `double_value`, `null`/`undefined` values as an empty AnyValue, trace and span ids as
 * raw bytes, `flags` = the trace flags, times as fixed64 nanoseconds; zero and empty fields are
 * left out (a decoder reads them as their defaults either way). A test decodes both encodings of
 * random records and compares them.
 *
 * Records are normalised first (normalize-log-record.ts), as for OTLP/JSON; a record that changed
 * since (an app mutating what it logged) is written from its normalised copy.
 */

/** proto3 int64 bounds (both exact doubles): integers outside go as double_value, as the SDK's. */
const INT64_LIMIT = 2 ** 63;
const TWO_32 = 2 ** 32;
/** Deepest value level written (normalisation bounds values far below it). */
const MAX_DEPTH = 64;

/** Thrown inside the encoder for a record it cannot write as the SDK would (see below). */
class NotEncodable extends Error {}

/**
 * The protobuf bytes of an `ExportLogsServiceRequest` holding `input`, normalised first (their
 * substitutions counted in `substituted`); `undefined` when some record has a trace or span id
 * that is not hex digits (the WAL keeps such ids as text; only the SDK's serializer knows what it
 * makes of them, so the caller uses it for that batch).
 */
export function encodeExportLogsServiceRequest(
  input: ReadonlyArray<ReadableLogRecord>,
  substituted: SubstitutionCounts = emptySubstitutionCounts(),
): Uint8Array | undefined {
  const records = normalizeLogRecords(input as ReadableLogRecord[], substituted);
  const w = new ProtobufWriter(records.length * 256 + 1024);
  try {
    for (const [resource, scopes] of groupByResourceAndScope(records)) {
      w.tag(1, 2); // ExportLogsServiceRequest.resource_logs
      const rl = w.begin();
      w.tag(1, 2); // ResourceLogs.resource
      const res = w.begin();
      writeAttributes(w, resource.attributes, 1);
      w.end(res);
      for (const [scope, list] of scopes) {
        w.tag(2, 2); // ResourceLogs.scope_logs
        const sl = w.begin();
        writeScope(w, scope);
        for (const r of list) writeRecordOrCopy(w, r, substituted);
        if (scope.schemaUrl) {
          w.tag(3, 2);
          w.string(scope.schemaUrl);
        }
        w.end(sl);
      }
      if (resource.schemaUrl) {
        w.tag(3, 2);
        w.string(resource.schemaUrl);
      }
      w.end(rl);
    }
  } catch (err) {
    if (err instanceof NotEncodable) return undefined;
    throw err;
  }
  return w.finish();
}

function writeScope(w: ProtobufWriter, scope: ReadableLogRecord['instrumentationScope']): void {
  w.tag(1, 2); // ScopeLogs.scope
  const at = w.begin();
  if (scope.name) {
    w.tag(1, 2);
    w.string(scope.name);
  }
  if (scope.version) {
    w.tag(2, 2);
    w.string(scope.version);
  }
  const s = scope as { attributes?: Record<string, unknown>; droppedAttributesCount?: number };
  if (s.attributes) writeAttributes(w, s.attributes, 3);
  if (s.droppedAttributesCount) {
    w.tag(4, 0);
    w.varint(s.droppedAttributesCount);
  }
  w.end(at);
}

function writeRecordOrCopy(
  w: ProtobufWriter,
  r: ReadableLogRecord,
  substituted: SubstitutionCounts,
): void {
  const at = w.position;
  try {
    writeRecord(w, r);
  } catch (err) {
    if (err instanceof NotEncodable) throw err;
    // Changed since it was normalised: its copy reads each field once, checked.
    w.rewind(at);
    writeRecord(w, renormalizeLogRecord(r, substituted));
  }
}

function writeRecord(w: ProtobufWriter, r: ReadableLogRecord): void {
  w.tag(2, 2); // ScopeLogs.log_records
  const at = w.begin();
  w.tag(1, 1);
  writeHrTime(w, r.hrTime);
  const n = r.severityNumber as number | undefined;
  if (n) {
    w.tag(2, 0);
    w.varint(n);
  }
  if (r.severityText) {
    w.tag(3, 2);
    w.string(r.severityText);
  }
  if (r.body !== undefined) {
    w.tag(5, 2);
    const body = w.begin();
    writeAnyValue(w, r.body, 0);
    w.end(body);
  }
  writeAttributes(w, r.attributes, 6);
  if (r.droppedAttributesCount) {
    w.tag(7, 0);
    w.varint(r.droppedAttributesCount);
  }
  const sc = r.spanContext;
  if (sc !== undefined) {
    if (sc.traceFlags) {
      w.tag(8, 5);
      w.fixed32(sc.traceFlags);
    }
    if (sc.traceId) {
      w.tag(9, 2);
      if (!w.hexBytes(sc.traceId)) throw new NotEncodable();
    }
    if (sc.spanId) {
      w.tag(10, 2);
      if (!w.hexBytes(sc.spanId)) throw new NotEncodable();
    }
  }
  w.tag(11, 1);
  writeHrTime(w, r.hrTimeObserved);
  if (r.eventName) {
    w.tag(12, 2);
    w.string(r.eventName);
  }
  w.end(at);
}

/**
 * seconds·10^9 + nanos as fixed64, exactly (seconds below 2^35, as normalisation bounds them).
 * Exported for the WAL's OTLP transcoder, which must write times as this encoder does.
 */
export function writeHrTime(w: ProtobufWriter, t: readonly [number, number]): void {
  const [s, ns] = t;
  // s·10^9 = sHi·10^9·2^16 + sLo·10^9, each product below 2^53.
  const sHi = Math.floor(s / 65536);
  const a = (s % 65536) * 1e9 + ns;
  const b = sHi * 1e9;
  const low = (b % 65536) * 65536 + a;
  w.fixed64(low % TWO_32, Math.floor(b / 65536) + Math.floor(low / TWO_32));
}

function writeAttributes(w: ProtobufWriter, attrs: object, field: number, depth = 0): void {
  const m = attrs as Record<string, unknown>;
  // for…in, as the other encoders and the normalisation walk list a map's keys.
  for (const key in m) {
    w.tag(field, 2);
    const kv = w.begin();
    w.tag(1, 2);
    w.string(key);
    w.tag(2, 2);
    const v = w.begin();
    writeAnyValue(w, m[key], depth);
    w.end(v);
    w.end(kv);
  }
}

function writeAnyValue(w: ProtobufWriter, v: unknown, depth: number): void {
  if (depth > MAX_DEPTH) throw new RangeError(`value nested deeper than ${MAX_DEPTH}`);
  switch (typeof v) {
    case 'string':
      w.tag(1, 2);
      w.string(v);
      return;
    case 'boolean':
      w.tag(2, 0);
      w.varint(v ? 1 : 0);
      return;
    case 'number':
      writeNumber(w, v);
      return;
    case 'object': {
      if (v === null) return;
      if (v instanceof Uint8Array) {
        w.tag(7, 2);
        w.bytes(v);
        return;
      }
      if (Array.isArray(v)) {
        w.tag(5, 2);
        const arr = w.begin();
        for (const item of v) {
          w.tag(1, 2);
          const at = w.begin();
          writeAnyValue(w, item, depth + 1);
          w.end(at);
        }
        w.end(arr);
        return;
      }
      w.tag(6, 2);
      const list = w.begin();
      writeAttributes(w, v, 1, depth + 1);
      w.end(list);
      return;
    }
    default:
      // undefined (and what normalisation never passes): the empty AnyValue, as the SDK writes.
      return;
  }
}

/**
 * A number as the SDK's serializer writes it in an AnyValue: an integer within int64 as
 * `int_value`, any other number (fractions, ±2^63 and beyond, NaN, ±Infinity) as `double_value`.
 * Exported for the WAL's OTLP transcoder, which must write numbers as this encoder does.
 */
export function writeNumber(w: ProtobufWriter, v: number): void {
  if (Number.isInteger(v) && v >= -INT64_LIMIT && v < INT64_LIMIT) {
    w.tag(3, 0);
    writeInt64(w, v);
  } else {
    w.tag(4, 1);
    w.double(v);
  }
}

/**
 * An integer in [-2^63, 2^63) as an int64 varint (two's complement for negatives: 10 bytes).
 * Exported for the WAL's OTLP transcoder, which must write integers as this encoder does.
 */
export function writeInt64(w: ProtobufWriter, v: number): void {
  if (v >= 0) {
    w.varint64(v % TWO_32, Math.floor(v / TWO_32));
    return;
  }
  const a = -v;
  let lo = a % TWO_32;
  let hi = Math.floor(a / TWO_32);
  // Negate the 64-bit magnitude: invert and add one.
  lo = (~lo + 1) >>> 0;
  hi = (~hi + (lo === 0 ? 1 : 0)) >>> 0;
  w.varint64(lo, hi);
}
