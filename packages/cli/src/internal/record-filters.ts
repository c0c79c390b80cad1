import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { effectiveSeverity } from '@spillway/file-exporter';
import { formatValue } from '@spillway/record-format';

/**
 * Characters of each value `--grep` looks at. JavaScript has no linear-time regex engine: the
 * pattern is the user's, and this bound keeps one huge value from making its cost unbounded.
 */
export const MAX_GREP_CHARS = 65_536;

/** A `key=value` option (`--attr`, `--resource`). */
export interface KeyValue {
  key: string;
  value: string;
}

/** The record filters of `cat`, `tail` and `stats`, parsed. */
export interface RecordFilterOptions {
  since?: Date;
  until?: Date;
  minSeverity?: number;
  traceId?: string;
  grep?: RegExp;
  attr?: KeyValue[];
  resource?: KeyValue[];
  service?: string;
}

type Predicate = (r: ReadableLogRecord) => boolean;

/** `[seconds, nanos]` of a Date, to compare with an HrTime without rounding. */
const hrOf = (d: Date): [number, number] => {
  const ms = d.getTime();
  const s = Math.floor(ms / 1000);
  return [s, (ms - s * 1000) * 1e6];
};
const before = (a: readonly [number, number], b: readonly [number, number]) =>
  a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);

/** The time a record is filtered and counted by: its timestamp, else its observed time. */
export function recordTime(r: ReadableLogRecord): readonly [number, number] {
  return r.hrTime[0] === 0 && r.hrTime[1] === 0 ? r.hrTimeObserved : r.hrTime;
}

/** A scalar's text as `--attr` compares it (200, true, GET); undefined for other values. */
function scalarText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

const bounded = (s: string) => (s.length > MAX_GREP_CHARS ? s.slice(0, MAX_GREP_CHARS) : s);

function grepMatches(re: RegExp, r: ReadableLogRecord): boolean {
  const body = r.body;
  if (body !== undefined && body !== null) {
    if (re.test(bounded(typeof body === 'string' ? body : formatValue(body)))) return true;
  }
  for (const v of Object.values(r.attributes))
    if (typeof v === 'string' && re.test(bounded(v))) return true;
  return false;
}

/**
 * One predicate for every filter given (all must hold), or undefined when none is. The same
 * rules as the file reader's (times inclusive, severity as the index counts it), so that a
 * record matches the same way whichever path read it: forward through the index, backward, or
 * while following.
 */
export function recordFilterOf(o: RecordFilterOptions): Predicate | undefined {
  const tests: Predicate[] = [];
  if (o.since) {
    const since = hrOf(o.since);
    tests.push((r) => !before(recordTime(r), since));
  }
  if (o.until) {
    const until = hrOf(o.until);
    tests.push((r) => !before(until, recordTime(r)));
  }
  const { minSeverity, traceId, grep, service } = o;
  if (minSeverity !== undefined)
    tests.push(
      (r) =>
        effectiveSeverity(r.severityNumber as number | undefined, r.severityText) >= minSeverity,
    );
  if (traceId !== undefined) tests.push((r) => r.spanContext?.traceId.toLowerCase() === traceId);
  if (service !== undefined)
    tests.push((r) => scalarText(r.resource.attributes['service.name']) === service);
  for (const { key, value } of o.attr ?? [])
    tests.push((r) => scalarText(r.attributes[key]) === value);
  for (const { key, value } of o.resource ?? [])
    tests.push((r) => scalarText(r.resource.attributes[key]) === value);
  if (grep) tests.push((r) => grepMatches(grep, r));
  if (tests.length === 0) return undefined;
  return (r) => tests.every((t) => t(r));
}

/** Whether a filter needs more than the file reader applies (it filters time, severity, trace). */
export function needsRecordSearch(o: RecordFilterOptions): boolean {
  return (
    o.grep !== undefined ||
    o.service !== undefined ||
    (o.attr?.length ?? 0) > 0 ||
    (o.resource?.length ?? 0) > 0
  );
}
