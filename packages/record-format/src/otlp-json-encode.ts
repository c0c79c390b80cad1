import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { normalizeLogRecords, renormalizeLogRecord } from './normalize-log-record';
import { emptySubstitutionCounts, type SubstitutionCounts } from './normalize-value';
import { groupByResourceAndScope } from './record-groups';

/**
 * OTLP/JSON encoding of log records: one `LogsData` object per call, as the OTLP file exporter
 * and the Collector's `otlpjsonfile` receiver use it. Follows the OTLP/JSON mapping: lowerCamelCase
 * keys, trace/span ids as lowercase hex, 64-bit integers as decimal strings, enums as integers,
 * bytes as base64. Records are normalised first (normalize-log-record.ts), so every line parses
 * back; the writers below refuse (throw on) a value nested deeper than {@link MAX_JSON_DEPTH}
 * instead of overflowing the stack, and a record they refuse is written from its normalised copy.
 */

/** Deepest value level the writers accept: far above normalisation's bound, below the stack's. */
const MAX_JSON_DEPTH = 64;
// proto3 int64 bounds (2^63 is exact as a double): integers outside go as doubleValue.
const INT64_LIMIT = 2 ** 63;

type HrTime = readonly [number, number];

/** An OTLP/JSON `AnyValue`. */
export type OtlpJsonAnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number | string }
  | { bytesValue: string }
  | { arrayValue: { values: OtlpJsonAnyValue[] } }
  | { kvlistValue: { values: OtlpJsonKeyValue[] } }
  | Record<string, never>;

/** An OTLP/JSON `KeyValue`. */
export interface OtlpJsonKeyValue {
  key: string;
  value: OtlpJsonAnyValue;
}

/** An OTLP/JSON `LogRecord`. */
export interface OtlpJsonLogRecord {
  timeUnixNano?: string;
  observedTimeUnixNano?: string;
  severityNumber?: number;
  severityText?: string;
  body?: OtlpJsonAnyValue;
  attributes?: OtlpJsonKeyValue[];
  droppedAttributesCount?: number;
  flags?: number;
  traceId?: string;
  spanId?: string;
  eventName?: string;
}

/** An OTLP/JSON `LogsData` (the same shape as `ExportLogsServiceRequest`). */
export interface OtlpJsonLogsData {
  resourceLogs: Array<{
    resource?: { attributes?: OtlpJsonKeyValue[]; droppedAttributesCount?: number };
    scopeLogs: Array<{
      scope?: {
        name?: string;
        version?: string;
        attributes?: OtlpJsonKeyValue[];
        droppedAttributesCount?: number;
      };
      logRecords: OtlpJsonLogRecord[];
      schemaUrl?: string;
    }>;
    schemaUrl?: string;
  }>;
}

/** Nanoseconds since the epoch of an HrTime, as a decimal string (no BigInt, no precision loss). */
export function hrTimeToNanosString(t: HrTime): string {
  const [s, ns] = t;
  if (s === 0) return String(ns);
  return String(s) + String(ns).padStart(9, '0');
}

/**
 * Encodes one attribute or body value. `null`/`undefined` become the empty AnyValue.
 * @throws RangeError for a value nested deeper than 64 levels.
 */
export function toOtlpJsonAnyValue(v: unknown, depth = 0): OtlpJsonAnyValue {
  if (depth > MAX_JSON_DEPTH) throw new RangeError(`value nested deeper than ${MAX_JSON_DEPTH}`);
  switch (typeof v) {
    case 'string':
      return { stringValue: v };
    case 'boolean':
      return { boolValue: v };
    case 'number':
      if (Number.isInteger(v) && v >= -INT64_LIMIT && v < INT64_LIMIT) {
        return { intValue: String(v) };
      }
      // proto3 JSON spells the non-finite doubles as strings.
      return { doubleValue: Number.isFinite(v) ? v : String(v) };
    case 'bigint':
      return { intValue: v.toString() };
    case 'object': {
      if (v === null) return {};
      if (v instanceof Uint8Array) {
        return { bytesValue: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
      }
      if (Array.isArray(v)) {
        return { arrayValue: { values: v.map((item) => toOtlpJsonAnyValue(item, depth + 1)) } };
      }
      return {
        kvlistValue: { values: toOtlpJsonAttributes(v as Record<string, unknown>, depth + 1) },
      };
    }
    default:
      return {};
  }
}

/** Encodes an attribute map (its values at level `depth`) as OTLP/JSON `KeyValue`s. */
export function toOtlpJsonAttributes(
  attrs: Readonly<Record<string, unknown>>,
  depth = 0,
): OtlpJsonKeyValue[] {
  const out: OtlpJsonKeyValue[] = [];
  for (const key in attrs) {
    out.push({ key, value: toOtlpJsonAnyValue(attrs[key], depth) });
  }
  return out;
}

/** Encodes one record as an OTLP/JSON `LogRecord`. */
export function toOtlpJsonLogRecord(r: ReadableLogRecord): OtlpJsonLogRecord {
  const out: OtlpJsonLogRecord = {
    timeUnixNano: hrTimeToNanosString(r.hrTime),
    observedTimeUnixNano: hrTimeToNanosString(r.hrTimeObserved),
  };
  if (r.severityNumber !== undefined) out.severityNumber = r.severityNumber as number;
  if (r.severityText !== undefined) out.severityText = r.severityText;
  if (r.body !== undefined) out.body = toOtlpJsonAnyValue(r.body);
  const attributes = toOtlpJsonAttributes(r.attributes);
  if (attributes.length > 0) out.attributes = attributes;
  if (r.droppedAttributesCount > 0) out.droppedAttributesCount = r.droppedAttributesCount;
  const sc = r.spanContext;
  if (sc !== undefined) {
    out.flags = sc.traceFlags & 0xff;
    out.traceId = sc.traceId;
    out.spanId = sc.spanId;
  }
  if (r.eventName !== undefined) out.eventName = r.eventName;
  return out;
}

/**
 * Groups records by resource and instrumentation scope (record-groups.ts) into one `LogsData`. Record order is kept within each scope. Records are normalised
 * first, their substitutions counted in `substituted` when given.
 */
export function toOtlpJsonLogsData(
  input: ReadonlyArray<ReadableLogRecord>,
  substituted: SubstitutionCounts = emptySubstitutionCounts(),
): OtlpJsonLogsData {
  const records = normalizeLogRecords(input as ReadableLogRecord[], substituted);
  const encode = (r: ReadableLogRecord): OtlpJsonLogRecord => {
    try {
      return toOtlpJsonLogRecord(r);
    } catch {
      // Changed since it was normalised (an app mutating what it logged): write its copy.
      return toOtlpJsonLogRecord(renormalizeLogRecord(r, substituted));
    }
  };
  const data: OtlpJsonLogsData = { resourceLogs: [] };
  for (const [resource, scopes] of groupByResourceAndScope(records)) {
    const scopeLogs: OtlpJsonLogsData['resourceLogs'][number]['scopeLogs'] = [];
    for (const [scope, list] of scopes) {
      const logRecords = list.map(encode);
      const s: NonNullable<(typeof scopeLogs)[number]['scope']> = { name: scope.name };
      if (scope.version !== undefined) s.version = scope.version;
      if (scope.attributes !== undefined) {
        const attrs = toOtlpJsonAttributes(scope.attributes);
        if (attrs.length > 0) s.attributes = attrs;
      }
      if (scope.droppedAttributesCount) s.droppedAttributesCount = scope.droppedAttributesCount;
      const entry: (typeof scopeLogs)[number] = { scope: s, logRecords };
      if (scope.schemaUrl !== undefined) entry.schemaUrl = scope.schemaUrl;
      scopeLogs.push(entry);
    }
    const rl: OtlpJsonLogsData['resourceLogs'][number] = {
      resource: { attributes: toOtlpJsonAttributes(resource.attributes) },
      scopeLogs,
    };
    if (resource.schemaUrl !== undefined) rl.schemaUrl = resource.schemaUrl;
    data.resourceLogs.push(rl);
  }
  return data;
}

/**
 * One OTLP/JSON line (no trailing newline) holding every record given, normalised first (their
 * substitutions counted in `substituted` when given).
 */
export function encodeLogsDataLine(
  records: ReadonlyArray<ReadableLogRecord>,
  substituted?: SubstitutionCounts,
): string {
  return JSON.stringify(toOtlpJsonLogsData(records, substituted));
}
