import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { MAX_TEXT_UNITS, MAX_TIME_SECONDS, MAX_U32 } from './normalize-fields';
import { isWellFormed, MAX_RECORD_UNITS, UNITS_PER_VALUE } from './normalize-value';

/*
 * The fast path of record normalisation (normalize-log-record.ts) for the shape nearly every
 * record has: a string body or none, a plain map of string, number and boolean attributes, no
 * trace state, and the resource and scope the last record had. It accepts a subset of what the
 * full walk accepts, by the same rules and the same budget, and says false for anything else (the
 * full walk then decides). It exists because the full walk is a dozen small helpers the compiler
 * does not inline at a call site this busy: measured in place, on the emit path of a kept record,
 * the walk cost about 450 ns and this one function a fraction of it.
 */

/** A uint ≤ max, not -0 (as isUint in normalize-fields.ts, inlined by hand for the same reason). */
function uint(v: unknown, max: number): boolean {
  return (
    typeof v === 'number' && v >= 0 && v <= max && Math.floor(v) === v && (v !== 0 || 1 / v > 0)
  );
}

/** {@link uint} for `max` < 2^32, where `>>> 0` tells an integer faster than Math.floor. */
function u32(v: unknown, max: number): boolean {
  return typeof v === 'number' && v >= 0 && v <= max && v >>> 0 === v && (v !== 0 || 1 / v > 0);
}

function time(t: unknown): boolean {
  return (
    Array.isArray(t) && t.length === 2 && uint(t[0], MAX_TIME_SECONDS) && u32(t[1], 999_999_999)
  );
}

function text(s: unknown): boolean {
  return (
    s === undefined || (typeof s === 'string' && s.length <= MAX_TEXT_UNITS && isWellFormed(s))
  );
}

/** What {@link commonRecordUnits} returns for a record it does not accept. */
export const NOT_COMMON = -1;

/**
 * The units of the record budget (normalize-value.ts) that `r`'s body and attributes use, when
 * `r` has the common shape and is clean; {@link NOT_COMMON} when it has not, or is not clean (the
 * caller runs the full walk then). The count comes free with the walk, and the processor's queue
 * sizes records by it instead of walking them a second time. Reads may throw on a hostile
 * record: the caller catches.
 */
export function commonRecordUnits(
  r: ReadableLogRecord,
  knownResource: unknown,
  knownScope: unknown,
): number {
  // Known means seen and checked: undefined (nothing seen yet) is no resource or scope.
  if (knownResource === undefined || knownScope === undefined) return NOT_COMMON;
  if (r.resource !== knownResource || r.instrumentationScope !== knownScope) return NOT_COMMON;
  if (!time(r.hrTime) || !time(r.hrTimeObserved)) return NOT_COMMON;
  const n = r.severityNumber as unknown;
  if (n !== undefined && !u32(n, 24)) return NOT_COMMON;
  if (!text(r.severityText) || !text(r.eventName)) return NOT_COMMON;
  if (!u32(r.droppedAttributesCount, MAX_U32)) return NOT_COMMON;
  const sc = r.spanContext;
  if (sc !== undefined) {
    if (typeof sc !== 'object' || sc === null || sc.traceState !== undefined) return NOT_COMMON;
    const { traceId, spanId } = sc;
    if (typeof traceId !== 'string' || typeof spanId !== 'string') return NOT_COMMON;
    if (!text(traceId) || !text(spanId) || !u32(sc.traceFlags, 255)) return NOT_COMMON;
    if (sc.isRemote !== undefined && typeof sc.isRemote !== 'boolean') return NOT_COMMON;
  }
  let units = 0;
  const body = r.body as unknown;
  if (typeof body === 'string') {
    units += body.length + UNITS_PER_VALUE;
    if (!isWellFormed(body)) return NOT_COMMON;
  } else if (body !== undefined) {
    return NOT_COMMON;
  }
  const a = r.attributes as Record<string, unknown>;
  if (typeof a !== 'object' || a === null || Object.getPrototypeOf(a) !== Object.prototype) {
    return NOT_COMMON;
  }
  // for…in, as the full walk and the encoders list a map's keys.
  for (const k in a) {
    const v = a[k];
    units += k.length + UNITS_PER_VALUE;
    if (!isWellFormed(k)) return NOT_COMMON;
    if (typeof v === 'string') {
      units += v.length + UNITS_PER_VALUE;
      if (!isWellFormed(v)) return NOT_COMMON;
    } else if (typeof v === 'number' || typeof v === 'boolean') {
      units += UNITS_PER_VALUE;
    } else {
      return NOT_COMMON;
    }
  }
  return units <= MAX_RECORD_UNITS ? units : NOT_COMMON;
}
