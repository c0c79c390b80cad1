import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type {
  OtlpJsonAnyValue,
  OtlpJsonKeyValue,
  OtlpJsonLogRecord,
  OtlpJsonLogsData,
} from './otlp-json-encode';

type Resource = ReadableLogRecord['resource'];
type Scope = ReadableLogRecord['instrumentationScope'];
type Attributes = Record<string, unknown>;

/** Nanoseconds as a decimal string → HrTime, without BigInt. */
export function nanosStringToHrTime(nanos: string | number | undefined): [number, number] {
  if (nanos === undefined) return [0, 0];
  const s = String(nanos);
  if (s.length <= 9) return [0, Number(s)];
  return [Number(s.slice(0, -9)), Number(s.slice(-9))];
}

/** Decodes an OTLP/JSON `AnyValue` into the JS value the logs API uses. */
export function fromOtlpJsonAnyValue(v: OtlpJsonAnyValue | undefined): unknown {
  if (v === undefined || v === null) return undefined;
  const a = v as Record<string, unknown>;
  if ('stringValue' in a) return a.stringValue;
  if ('boolValue' in a) return a.boolValue;
  if ('intValue' in a) return Number(a.intValue);
  if ('doubleValue' in a) return Number(a.doubleValue);
  if ('bytesValue' in a) return new Uint8Array(Buffer.from(String(a.bytesValue), 'base64'));
  if ('arrayValue' in a) {
    const values = (a.arrayValue as { values?: OtlpJsonAnyValue[] }).values ?? [];
    return values.map(fromOtlpJsonAnyValue);
  }
  if ('kvlistValue' in a) {
    return fromOtlpJsonAttributes((a.kvlistValue as { values?: OtlpJsonKeyValue[] }).values);
  }
  return null;
}

/** Decodes OTLP/JSON `KeyValue`s into an attribute map. */
export function fromOtlpJsonAttributes(kvs: OtlpJsonKeyValue[] | undefined): Attributes {
  const out: Attributes = {};
  if (kvs === undefined) return out;
  for (const kv of kvs) out[kv.key] = fromOtlpJsonAnyValue(kv.value);
  return out;
}

/**
 * Turns OTLP/JSON `LogsData` back into `ReadableLogRecord`s that any `LogRecordExporter` accepts.
 *
 * Use one decoder per stream of lines: resources and scopes that are equal across lines are
 * decoded once and shared (exporters group records by their identity), the cache bounded by
 * `maxShared` distinct entries.
 */
export class OtlpJsonDecoder {
  private readonly resources = new Map<string, Resource>();
  private readonly scopes = new Map<string, Scope>();

  constructor(private readonly maxShared = 1024) {}

  /** Decodes one line of an OTLP/JSON file. Throws on text that is not JSON. */
  decodeLine(line: string): ReadableLogRecord[] {
    return this.decode(JSON.parse(line) as OtlpJsonLogsData);
  }

  /** Decodes one parsed `LogsData`. */
  decode(data: OtlpJsonLogsData): ReadableLogRecord[] {
    const out: ReadableLogRecord[] = [];
    for (const rl of data.resourceLogs ?? []) {
      const resource = this.resource(rl.resource?.attributes, rl.schemaUrl);
      for (const sl of rl.scopeLogs ?? []) {
        const scope = this.scope(sl.scope, sl.schemaUrl);
        for (const lr of sl.logRecords ?? []) out.push(decodeRecord(lr, resource, scope));
      }
    }
    return out;
  }

  private resource(attrs: OtlpJsonKeyValue[] | undefined, schemaUrl: string | undefined): Resource {
    const key = JSON.stringify([attrs ?? [], schemaUrl ?? '']);
    let r = this.resources.get(key);
    if (r === undefined) {
      const options = schemaUrl ? { schemaUrl } : undefined;
      r = resourceFromAttributes(fromOtlpJsonAttributes(attrs) as never, options) as Resource;
      remember(this.resources, key, r, this.maxShared);
    }
    return r;
  }

  private scope(
    s: OtlpJsonLogsData['resourceLogs'][number]['scopeLogs'][number]['scope'],
    schemaUrl: string | undefined,
  ): Scope {
    const key = JSON.stringify([s ?? {}, schemaUrl ?? '']);
    let scope = this.scopes.get(key);
    if (scope === undefined) {
      const built: {
        name: string;
        version?: string;
        schemaUrl?: string;
        attributes?: Attributes;
        droppedAttributesCount?: number;
      } = { name: s?.name ?? '' };
      if (s?.version) built.version = s.version;
      if (schemaUrl) built.schemaUrl = schemaUrl;
      if (s?.attributes && s.attributes.length > 0) {
        built.attributes = fromOtlpJsonAttributes(s.attributes);
      }
      if (s?.droppedAttributesCount) built.droppedAttributesCount = s.droppedAttributesCount;
      scope = built as Scope;
      remember(this.scopes, key, scope, this.maxShared);
    }
    return scope;
  }
}

function remember<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  if (map.size >= max) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
  map.set(key, value);
}

const ZERO_TRACE = /^0*$/;

function decodeRecord(lr: OtlpJsonLogRecord, resource: Resource, scope: Scope): ReadableLogRecord {
  const rec: {
    -readonly [K in keyof ReadableLogRecord]: ReadableLogRecord[K];
  } = {
    hrTime: nanosStringToHrTime(lr.timeUnixNano),
    hrTimeObserved: nanosStringToHrTime(lr.observedTimeUnixNano ?? lr.timeUnixNano),
    resource,
    instrumentationScope: scope,
    attributes: fromOtlpJsonAttributes(lr.attributes) as ReadableLogRecord['attributes'],
    droppedAttributesCount: lr.droppedAttributesCount ?? 0,
  };
  if (lr.severityNumber !== undefined) {
    rec.severityNumber = lr.severityNumber as ReadableLogRecord['severityNumber'];
  }
  if (lr.severityText !== undefined) rec.severityText = lr.severityText;
  if (lr.body !== undefined) rec.body = fromOtlpJsonAnyValue(lr.body) as ReadableLogRecord['body'];
  if (lr.eventName !== undefined) rec.eventName = lr.eventName;
  if (lr.traceId && lr.spanId && !ZERO_TRACE.test(lr.traceId)) {
    rec.spanContext = {
      traceId: lr.traceId.toLowerCase(),
      spanId: lr.spanId.toLowerCase(),
      traceFlags: (lr.flags ?? 0) & 0xff,
    };
  }
  return rec;
}
