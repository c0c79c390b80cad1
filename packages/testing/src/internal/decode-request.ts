import type { ReceivedLogRecord } from '../types';

// Shapes as @grpc/proto-loader decodes them (camelCase, longs as strings, bytes as Buffer,
// oneof members as plain optional fields).
interface RawAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string;
  doubleValue?: number;
  arrayValue?: { values?: RawAnyValue[] };
  kvlistValue?: { values?: RawKeyValue[] };
  bytesValue?: Buffer;
}
interface RawKeyValue {
  key: string;
  value?: RawAnyValue;
}
interface RawLogRecord {
  timeUnixNano?: string;
  observedTimeUnixNano?: string;
  severityNumber?: number;
  severityText?: string;
  body?: RawAnyValue;
  attributes?: RawKeyValue[];
  droppedAttributesCount?: number;
  flags?: number;
  traceId?: Buffer;
  spanId?: Buffer;
  eventName?: string;
}
/** An `ExportLogsServiceRequest` as decoded by proto-loader. */
export interface RawExportRequest {
  resourceLogs?: Array<{
    resource?: { attributes?: RawKeyValue[]; droppedAttributesCount?: number };
    schemaUrl?: string;
    scopeLogs?: Array<{
      scope?: {
        name?: string;
        version?: string;
        attributes?: RawKeyValue[];
        droppedAttributesCount?: number;
      };
      schemaUrl?: string;
      logRecords?: RawLogRecord[];
    }>;
  }>;
}

function anyValue(v: RawAnyValue | undefined): unknown {
  if (v === undefined || v === null) return null;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) {
    const n = Number(v.intValue);
    return Number.isSafeInteger(n) ? n : BigInt(v.intValue);
  }
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.bytesValue !== undefined) return new Uint8Array(v.bytesValue);
  if (v.arrayValue !== undefined) return (v.arrayValue.values ?? []).map(anyValue);
  if (v.kvlistValue !== undefined) return attributes(v.kvlistValue.values);
  return null;
}

function attributes(kvs: RawKeyValue[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of kvs ?? []) out[kv.key] = anyValue(kv.value);
  return out;
}

const hex = (b: Buffer | undefined): string => (b && b.length > 0 ? b.toString('hex') : '');

/** Flattens one request into records, each carrying its resource and scope. */
export function decodeRequest(req: RawExportRequest): ReceivedLogRecord[] {
  const out: ReceivedLogRecord[] = [];
  for (const rl of req.resourceLogs ?? []) {
    const resource = attributes(rl.resource?.attributes);
    for (const sl of rl.scopeLogs ?? []) {
      const scope = {
        name: sl.scope?.name ?? '',
        version: sl.scope?.version ?? '',
        attributes: attributes(sl.scope?.attributes),
        droppedAttributesCount: sl.scope?.droppedAttributesCount ?? 0,
        schemaUrl: sl.schemaUrl ?? '',
      };
      for (const lr of sl.logRecords ?? []) {
        out.push({
          resource,
          resourceDroppedAttributesCount: rl.resource?.droppedAttributesCount ?? 0,
          resourceSchemaUrl: rl.schemaUrl ?? '',
          scope,
          timeUnixNano: BigInt(lr.timeUnixNano ?? '0'),
          observedTimeUnixNano: BigInt(lr.observedTimeUnixNano ?? '0'),
          severityNumber: lr.severityNumber ?? 0,
          severityText: lr.severityText ?? '',
          body: anyValue(lr.body),
          attributes: attributes(lr.attributes),
          droppedAttributesCount: lr.droppedAttributesCount ?? 0,
          flags: lr.flags ?? 0,
          traceId: hex(lr.traceId),
          spanId: hex(lr.spanId),
          eventName: lr.eventName ?? '',
        });
      }
    }
  }
  return out;
}
