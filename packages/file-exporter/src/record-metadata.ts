import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { OtlpJsonLogRecord, OtlpJsonLogsData } from '@spillway/record-format';
import { severityClassOf, severityNumberOfClass } from '@spillway/record-format';
import { addTraceId } from './internal/trace-filter';
import type { LinesMetadata } from './types';

/**
 * The severity number a record counts as for filtering and for the index: its number when set
 * (1–24), else the lowest number of the class its text names, else INFO (ARCHITECTURE.md, severity classes).
 */
export function effectiveSeverity(severityNumber: number | undefined, text?: string): number {
  if (severityNumber !== undefined && severityNumber >= 1 && severityNumber <= 24) {
    return severityNumber;
  }
  return severityNumberOfClass(severityClassOf(severityNumber, text));
}

function hrToNanos(t: readonly [number, number]): bigint {
  return BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);
}

/** The time an OTLP/JSON record is indexed and filtered by: its timestamp, else its observed one. */
export function jsonRecordTimeNanos(lr: OtlpJsonLogRecord): bigint {
  const t = lr.timeUnixNano && lr.timeUnixNano !== '0' ? lr.timeUnixNano : lr.observedTimeUnixNano;
  return t ? BigInt(t) : 0n;
}

export function emptyMetadata(): LinesMetadata {
  return {
    records: 0,
    minTimeUnixNano: 0n,
    maxTimeUnixNano: 0n,
    maxSeverity: 0,
    traceIds: new Set(),
  };
}

/** Merges `b` into `a` (in place) and returns `a`. */
export function mergeMetadata(a: LinesMetadata, b: LinesMetadata): LinesMetadata {
  if (b.records === 0) return a;
  if (a.records === 0 || b.minTimeUnixNano < a.minTimeUnixNano)
    a.minTimeUnixNano = b.minTimeUnixNano;
  if (a.records === 0 || b.maxTimeUnixNano > a.maxTimeUnixNano)
    a.maxTimeUnixNano = b.maxTimeUnixNano;
  if (b.maxSeverity > a.maxSeverity) a.maxSeverity = b.maxSeverity;
  a.records += b.records;
  // Unknown ids stay unknown: a frame's trace filter must hold every id of its records.
  if (a.traceIds === undefined || b.traceIds === undefined) a.traceIds = undefined;
  else for (const id of b.traceIds) a.traceIds.add(id);
  return a;
}

/** Index metadata of records about to be written as one line. */
export function metadataOfRecords(records: ReadonlyArray<ReadableLogRecord>): LinesMetadata {
  const m = emptyMetadata();
  // Compare HrTime tuples and convert only the extremes: BigInt per record is measurably slow.
  let min: readonly [number, number] | undefined;
  let max: readonly [number, number] | undefined;
  for (const r of records) {
    const t = r.hrTime[0] === 0 && r.hrTime[1] === 0 ? r.hrTimeObserved : r.hrTime;
    if (min === undefined || t[0] < min[0] || (t[0] === min[0] && t[1] < min[1])) min = t;
    if (max === undefined || t[0] > max[0] || (t[0] === max[0] && t[1] > max[1])) max = t;
    const s = effectiveSeverity(r.severityNumber as number | undefined, r.severityText);
    if (s > m.maxSeverity) m.maxSeverity = s;
    if (m.traceIds && !addTraceId(m.traceIds, r.spanContext?.traceId)) m.traceIds = undefined;
  }
  m.records = records.length;
  if (min !== undefined && max !== undefined) {
    m.minTimeUnixNano = hrToNanos(min);
    m.maxTimeUnixNano = hrToNanos(max);
  }
  return m;
}

/** Index metadata of a parsed OTLP/JSON `LogsData`. */
export function metadataOfLogsData(data: OtlpJsonLogsData): LinesMetadata {
  const m = emptyMetadata();
  for (const rl of data.resourceLogs ?? []) {
    for (const sl of rl.scopeLogs ?? []) {
      for (const lr of sl.logRecords ?? []) {
        const t = jsonRecordTimeNanos(lr);
        if (m.records === 0 || t < m.minTimeUnixNano) m.minTimeUnixNano = t;
        if (m.records === 0 || t > m.maxTimeUnixNano) m.maxTimeUnixNano = t;
        const s = effectiveSeverity(lr.severityNumber, lr.severityText);
        if (s > m.maxSeverity) m.maxSeverity = s;
        if (m.traceIds && !addTraceId(m.traceIds, lr.traceId)) m.traceIds = undefined;
        m.records++;
      }
    }
  }
  return m;
}
