import { createTraceState, type SpanContext } from '@opentelemetry/api';
import {
  type Budget,
  cleanKey,
  copyValue,
  isCleanMap,
  isPlainMap,
  isWellFormed,
  keysOf,
  OVER_BUDGET,
  readEntry,
  SIZE_LIMIT,
  type SubstitutionCounts,
  setEntry,
  toWellFormed,
  UNITS_PER_VALUE,
  unreadable,
} from './normalize-value';

/*
 * Field-level checks and substitutes of record normalisation (normalize-log-record.ts): texts,
 * integers, timestamps, span contexts and attribute maps. Checks may throw on a hostile object
 * (the caller catches); the clean* copies never throw and count each substitution.
 */

type Attributes = Record<string, unknown>;

/** Longest severityText, eventName, trace/span id, trace state, scope or schema text (UTF-16 units). */
export const MAX_TEXT_UNITS = 4096;
/** The last second an OTLP fixed64 nanosecond timestamp can hold with any nanoseconds. */
export const MAX_TIME_SECONDS = 18_446_744_072;
export const MAX_U32 = 0xffffffff;

export function isUint(v: unknown, max: number): boolean {
  return (
    typeof v === 'number' && v >= 0 && v <= max && Math.floor(v) === v && (v !== 0 || 1 / v > 0)
  );
}

export function isCleanTime(t: unknown): boolean {
  const a = t as readonly unknown[];
  return (
    Array.isArray(a) &&
    a.length === 2 &&
    isUint(a[0], MAX_TIME_SECONDS) &&
    isUint(a[1], 999_999_999)
  );
}

export function isCleanText(s: unknown): boolean {
  return (
    s === undefined || (typeof s === 'string' && s.length <= MAX_TEXT_UNITS && isWellFormed(s))
  );
}

export function isCleanAttributes(a: unknown, b: Budget): boolean {
  return typeof a === 'object' && a !== null && isPlainMap(a) && isCleanMap(a as Attributes, 0, b);
}

export function isCleanSpan(sc: SpanContext): boolean {
  if (typeof sc !== 'object' || sc === null) return false;
  if (!isCleanText(sc.traceId) || !isCleanText(sc.spanId)) return false;
  if (typeof sc.traceId !== 'string' || typeof sc.spanId !== 'string') return false;
  if (!isUint(sc.traceFlags, 255)) return false;
  if (sc.isRemote !== undefined && typeof sc.isRemote !== 'boolean') return false;
  const ts = sc.traceState;
  return ts === undefined || isCleanText(ts.serialize());
}

/** What {@link read} returns when the read threw; {@link lastReadError} is what it threw. */
export const FAILED: unique symbol = Symbol('read failed');
let readError: unknown;

/** The error of the last {@link read} that returned {@link FAILED}. */
export function lastReadError(): unknown {
  return readError;
}

export function read(o: unknown, k: string): unknown {
  try {
    return (o as Record<string, unknown>)[k];
  } catch (err) {
    readError = err;
    return FAILED;
  }
}

/**
 * Copies `a` into `into`; returns how many attributes did not fit the budget: the first that
 * does not, and every one after it, is dropped (as OTel's attribute limits drop the later ones),
 * so a walk never restarts and the time stays bounded by the budget.
 */
export function copyAttributes(
  a: unknown,
  b: Budget,
  counts: SubstitutionCounts,
  into: Attributes,
): number {
  if (a === FAILED) {
    counts.unreadable++;
    return 0;
  }
  if (typeof a !== 'object' || a === null) {
    if (a !== undefined) counts.type++;
    return 0;
  }
  let keys: string[];
  try {
    keys = isPlainMap(a) ? keysOf(a) : Object.keys(a);
  } catch (err) {
    counts.unreadable++;
    setEntry(into, 'attributes', unreadable(err));
    return 0;
  }
  let dropped = 0;
  for (const k of keys) {
    b.units -= k.length + UNITS_PER_VALUE;
    const c = b.units < 0 ? OVER_BUDGET : copyValue(readEntry(a, k, counts), 0, b, counts, [a]);
    if (c === OVER_BUDGET) {
      counts.size_limit++;
      dropped++;
      continue;
    }
    setEntry(into, cleanKey(k, counts), c);
  }
  return dropped;
}

export function cleanTime(t: unknown, counts: SubstitutionCounts): [number, number] | undefined {
  if (isCleanTime(t)) return t as [number, number];
  if (t === FAILED) {
    counts.unreadable++;
    return undefined;
  }
  counts.number++;
  const s = read(t, '0');
  const ns = read(t, '1');
  if (typeof s !== 'number' || typeof ns !== 'number' || !Number.isFinite(s + ns)) return undefined;
  // Carry fractional seconds and out-of-range nanoseconds into a canonical [s, 0 ≤ ns < 1e9].
  let sec = Math.floor(s);
  let nanos = Math.round((s - sec) * 1e9 + ns);
  const carry = Math.floor(nanos / 1e9);
  sec += carry;
  nanos -= carry * 1e9;
  if (!isUint(sec + 0, MAX_TIME_SECONDS) || !isUint(nanos + 0, 999_999_999)) return undefined;
  return [sec + 0, nanos + 0];
}

export function cleanCount(v: unknown, max: number, counts: SubstitutionCounts): number {
  if (isUint(v, max)) return v as number;
  if (v === FAILED) counts.unreadable++;
  else counts.number++;
  if (typeof v !== 'number' || !(v > 0)) return 0;
  return Math.min(max, Math.floor(v));
}

/** `String(v)`, or the unreadable placeholder when conversion throws. */
export function textOf(v: unknown): string {
  try {
    return String(v);
  } catch (err) {
    return unreadable(err);
  }
}

export function cleanText(v: unknown, counts: SubstitutionCounts): string | undefined {
  if (v === undefined) return undefined;
  if (v === FAILED) {
    counts.unreadable++;
    return unreadable(readError);
  }
  let s: string;
  if (typeof v === 'string') {
    s = v;
  } else {
    counts.text++;
    if (v === null) return undefined;
    s = textOf(v);
  }
  if (s.length > MAX_TEXT_UNITS) {
    counts.size_limit++;
    return SIZE_LIMIT;
  }
  if (isWellFormed(s)) return s;
  counts.surrogate++;
  return toWellFormed(s);
}

export function cleanSpan(v: unknown, counts: SubstitutionCounts): SpanContext | undefined {
  if (v === undefined) return undefined;
  if (v === FAILED || typeof v !== 'object' || v === null) {
    if (v === FAILED) counts.unreadable++;
    else counts.type++;
    return undefined;
  }
  const sc: SpanContext = {
    traceId: cleanText(read(v, 'traceId'), counts) ?? '',
    spanId: cleanText(read(v, 'spanId'), counts) ?? '',
    traceFlags: cleanCount(read(v, 'traceFlags'), 255, counts),
  };
  const remote = read(v, 'isRemote');
  if (remote === true) sc.isRemote = true;
  else if (remote !== undefined && remote !== false) counts.type++;
  const ts = read(v, 'traceState') as SpanContext['traceState'] | typeof FAILED;
  if (ts === FAILED) {
    counts.unreadable++;
  } else if (ts !== undefined) {
    let text: unknown;
    try {
      text = ts.serialize();
    } catch (err) {
      text = FAILED;
      readError = err;
    }
    const clean = cleanText(text, counts);
    if (clean !== undefined) sc.traceState = createTraceState(clean);
  }
  return sc;
}
