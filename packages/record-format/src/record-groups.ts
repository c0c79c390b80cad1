import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';

type Resource = ReadableLogRecord['resource'];
type Scope = ReadableLogRecord['instrumentationScope'];

/** Records by resource, then by instrumentation scope, each list in the order given. */
export type RecordGroups = Map<Resource, Map<Scope, ReadableLogRecord[]>>;

/**
 * Groups records by resource and instrumentation scope, by object identity (the SDK keeps both
 * stable per provider and logger), as an OTLP request nests them: `ResourceLogs` → `ScopeLogs` →
 * records. The OTLP/JSON and OTLP protobuf encoders share it.
 */
export function groupByResourceAndScope(records: ReadonlyArray<ReadableLogRecord>): RecordGroups {
  const groups: RecordGroups = new Map();
  for (const r of records) {
    let scopes = groups.get(r.resource);
    if (scopes === undefined) {
      scopes = new Map();
      groups.set(r.resource, scopes);
    }
    let list = scopes.get(r.instrumentationScope);
    if (list === undefined) {
      list = [];
      scopes.set(r.instrumentationScope, list);
    }
    list.push(r);
  }
  return groups;
}
