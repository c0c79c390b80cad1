import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';

/**
 * OTLP/JSON encoding of log records: one `LogsData` object per call, as the OTLP file exporter
 * and the Collector's `otlpjsonfile` receiver use it. Follows the OTLP/JSON mapping: lowerCamelCase
 * keys, trace/span ids as lowercase hex, 64-bit integers as decimal strings, enums as integers,
 * bytes as base64.
 */

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

/** Encodes one attribute or body value. `null`/`undefined` become the empty AnyValue. */
export function toOtlpJsonAnyValue(v: unknown): OtlpJsonAnyValue {
  switch (typeof v) {
    case 'string':
      return { stringValue: v };
    case 'boolean':
      return { boolValue: v };
    case 'number':
      if (Number.isInteger(v)) return { intValue: String(v) };
      // proto3 JSON spells the non-finite doubles as strings.
      return { doubleValue: Number.isFinite(v) ? v : String(v) };
    case 'bigint':
      return { intValue: v.toString() };
    case 'object': {
      if (v === null) return {};
      if (v instanceof Uint8Array) {
        return { bytesValue: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
      }
      if (Array.isArray(v)) return { arrayValue: { values: v.map(toOtlpJsonAnyValue) } };
      return { kvlistValue: { values: toOtlpJsonAttributes(v as Record<string, unknown>) } };
    }
    default:
      return {};
  }
}

/** Encodes an attribute map as OTLP/JSON `KeyValue`s. */
export function toOtlpJsonAttributes(attrs: Readonly<Record<string, unknown>>): OtlpJsonKeyValue[] {
  const out: OtlpJsonKeyValue[] = [];
  for (const key in attrs) {
    out.push({ key, value: toOtlpJsonAnyValue(attrs[key]) });
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
 * Groups records by resource and instrumentation scope (by object identity, which the SDK keeps
 * stable) into one `LogsData`. Record order is kept within each scope.
 */
export function toOtlpJsonLogsData(records: ReadonlyArray<ReadableLogRecord>): OtlpJsonLogsData {
  const byResource = new Map<
    ReadableLogRecord['resource'],
    Map<ReadableLogRecord['instrumentationScope'], OtlpJsonLogRecord[]>
  >();
  for (const r of records) {
    let scopes = byResource.get(r.resource);
    if (scopes === undefined) {
      scopes = new Map();
      byResource.set(r.resource, scopes);
    }
    let list = scopes.get(r.instrumentationScope);
    if (list === undefined) {
      list = [];
      scopes.set(r.instrumentationScope, list);
    }
    list.push(toOtlpJsonLogRecord(r));
  }
  const data: OtlpJsonLogsData = { resourceLogs: [] };
  for (const [resource, scopes] of byResource) {
    const scopeLogs: OtlpJsonLogsData['resourceLogs'][number]['scopeLogs'] = [];
    for (const [scope, logRecords] of scopes) {
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

/** One OTLP/JSON line (no trailing newline) holding every record given. */
export function encodeLogsDataLine(records: ReadonlyArray<ReadableLogRecord>): string {
  return JSON.stringify(toOtlpJsonLogsData(records));
}
