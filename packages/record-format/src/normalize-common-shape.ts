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

/**
 * True when `r` has the common shape and is clean; false when it has not, or is not clean (the
 * caller runs the full walk then). Reads may throw on a hostile record: the caller catches.
 */
export function isCleanCommonRecord(
  r: ReadableLogRecord,
  knownResource: unknown,
  knownScope: unknown,
): boolean {
  // Known means seen and checked: undefined (nothing seen yet) is no resource or scope.
  if (knownResource === undefined || knownScope === undefined) return false;
  if (r.resource !== knownResource || r.instrumentationScope !== knownScope) return false;
  if (!time(r.hrTime) || !time(r.hrTimeObserved)) return false;
  const n = r.severityNumber as unknown;
  if (n !== undefined && !u32(n, 24)) return false;
  if (!text(r.severityText) || !text(r.eventName)) return false;
  if (!u32(r.droppedAttributesCount, MAX_U32)) return false;
  const sc = r.spanContext;
  if (sc !== undefined) {
    if (typeof sc !== 'object' || sc === null || sc.traceState !== undefined) return false;
    const { traceId, spanId } = sc;
    if (typeof traceId !== 'string' || typeof spanId !== 'string') return false;
    if (!text(traceId) || !text(spanId) || !u32(sc.traceFlags, 255)) return false;
    if (sc.isRemote !== undefined && typeof sc.isRemote !== 'boolean') return false;
  }
  let units = MAX_RECORD_UNITS;
  const body = r.body as unknown;
  if (typeof body === 'string') {
    units -= body.length + UNITS_PER_VALUE;
    if (!isWellFormed(body)) return false;
  } else if (body !== undefined) {
    return false;
  }
  const a = r.attributes as Record<string, unknown>;
  if (typeof a !== 'object' || a === null || Object.getPrototypeOf(a) !== Object.prototype) {
    return false;
  }
  // for…in, as the full walk and the encoders list a map's keys.
  for (const k in a) {
    const v = a[k];
    units -= k.length + UNITS_PER_VALUE;
    if (!isWellFormed(k)) return false;
    if (typeof v === 'string') {
      units -= v.length + UNITS_PER_VALUE;
      if (!isWellFormed(v)) return false;
    } else if (typeof v === 'number' || typeof v === 'boolean') {
      units -= UNITS_PER_VALUE;
    } else {
      return false;
    }
  }
  return units >= 0;
}
