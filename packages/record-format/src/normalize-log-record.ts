import { createTraceState, type SpanContext } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import {
  type Budget,
  CYCLIC,
  cleanKey,
  copyValue,
  DEPTH_LIMIT,
  isCleanMap,
  isCleanValue,
  isPlainMap,
  isWellFormed,
  keysOf,
  MAX_RECORD_UNITS,
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
 * The one boundary where a record from outside spillway becomes one every encoder can write and
 * read back. The normal path is a validating walk that allocates nothing and returns the record
 * itself; only a record with something wrong in it is copied, field by field, with each wrong
 * value replaced by its documented substitute and counted (README, "Normalisation").
 */

type Resource = ReadableLogRecord['resource'];
type Scope = ReadableLogRecord['instrumentationScope'];
type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Attributes = Record<string, unknown>;

/** Longest severityText, eventName, trace/span id, trace state, scope or schema text (UTF-16 units). */
export const MAX_TEXT_UNITS = 4096;
/** The last second an OTLP fixed64 nanosecond timestamp can hold with any nanoseconds. */
export const MAX_TIME_SECONDS = 18_446_744_072;
const MAX_U32 = 0xffffffff;

const budget: Budget = { units: 0 };
// Resources and scopes are shared by many records: each is checked once, the verdict (itself, or
// its clean copy) kept by identity.
const verdicts = new WeakMap<object, object>();
let lastResource: unknown;
let lastScope: unknown;

// Set on each record normalizeLogRecord returns, so the next stage of the same pipeline skips the
// walk. Only an optimisation: an encoder that meets a value changed after the check (an app that
// mutates a body it logged) refuses it and writes renormalizeLogRecord's copy instead.
const CLEAN: unique symbol = Symbol('spillway.normalized');

/**
 * The record itself when every field is clean, else a normalised copy, with each substitution
 * counted in `counts` by kind. Never throws, whatever `record` is (a Proxy, getters that throw,
 * cycles). Use it where records enter a stage that encodes them; a record it returned before is
 * returned at once.
 */
export function normalizeLogRecord(
  record: ReadableLogRecord,
  counts: SubstitutionCounts,
): ReadableLogRecord {
  let out: ReadableLogRecord;
  try {
    if ((record as { [CLEAN]?: true })[CLEAN] === true) return record;
    out = isCleanRecord(record) ? record : copyRecord(record, counts);
  } catch {
    // A read threw: the copy reads each field on its own and names what failed.
    out = copyRecord(record, counts);
  }
  try {
    (out as { [CLEAN]?: true })[CLEAN] = true;
  } catch {
    // Frozen, or a Proxy that refuses: it is walked again at the next stage.
  }
  return out;
}

/**
 * A normalised copy of `record`, whatever it claims: for an encoder that refused a record
 * {@link normalizeLogRecord} had passed (its values changed since). Never throws.
 */
export function renormalizeLogRecord(
  record: ReadableLogRecord,
  counts: SubstitutionCounts,
): ReadableLogRecord {
  const out = copyRecord(record, counts);
  (out as { [CLEAN]?: true })[CLEAN] = true;
  return out;
}

/** {@link normalizeLogRecord} for each record; the same array when none needed a copy. */
export function normalizeLogRecords(
  records: ReadableLogRecord[],
  counts: SubstitutionCounts,
): ReadableLogRecord[] {
  let out = records;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const n = normalizeLogRecord(r, counts);
    if (n !== r) {
      if (out === records) out = records.slice();
      out[i] = n;
    }
  }
  return out;
}

function isUint(v: unknown, max: number): boolean {
  return (
    typeof v === 'number' && v >= 0 && v <= max && Math.floor(v) === v && (v !== 0 || 1 / v > 0)
  );
}

function isCleanTime(t: unknown): boolean {
  const a = t as readonly unknown[];
  return (
    Array.isArray(a) &&
    a.length === 2 &&
    isUint(a[0], MAX_TIME_SECONDS) &&
    isUint(a[1], 999_999_999)
  );
}

function isCleanText(s: unknown): boolean {
  return (
    s === undefined || (typeof s === 'string' && s.length <= MAX_TEXT_UNITS && isWellFormed(s))
  );
}

function isCleanRecord(r: ReadableLogRecord): boolean {
  if (!isCleanTime(r.hrTime) || !isCleanTime(r.hrTimeObserved)) return false;
  const n = r.severityNumber as unknown;
  if (n !== undefined && !isUint(n, 24)) return false;
  if (!isCleanText(r.severityText) || !isCleanText(r.eventName)) return false;
  const sc = r.spanContext;
  if (sc !== undefined && !isCleanSpan(sc)) return false;
  if (!isUint(r.droppedAttributesCount, MAX_U32)) return false;
  budget.units = MAX_RECORD_UNITS;
  const body = r.body;
  if (body !== undefined && !isCleanValue(body, 0, budget)) return false;
  if (!isCleanAttributes(r.attributes, budget)) return false;
  return isCleanResource(r.resource) && isCleanScope(r.instrumentationScope);
}

function isCleanAttributes(a: unknown, b: Budget): boolean {
  return typeof a === 'object' && a !== null && isPlainMap(a) && isCleanMap(a as Attributes, 0, b);
}

function isCleanSpan(sc: SpanContext): boolean {
  if (typeof sc !== 'object' || sc === null) return false;
  if (!isCleanText(sc.traceId) || !isCleanText(sc.spanId)) return false;
  if (typeof sc.traceId !== 'string' || typeof sc.spanId !== 'string') return false;
  if (!isUint(sc.traceFlags, 255)) return false;
  if (sc.isRemote !== undefined && typeof sc.isRemote !== 'boolean') return false;
  const ts = sc.traceState;
  return ts === undefined || isCleanText(ts.serialize());
}

// ---- the copy: each field read on its own, each wrong value replaced and counted ----

const FAILED: unique symbol = Symbol('read failed');
let readError: unknown;

function read(o: unknown, k: string): unknown {
  try {
    return (o as Record<string, unknown>)[k];
  } catch (err) {
    readError = err;
    return FAILED;
  }
}

function copyRecord(r: ReadableLogRecord, counts: SubstitutionCounts): ReadableLogRecord {
  const observed = cleanTime(read(r, 'hrTimeObserved'), counts) ?? [0, 0];
  const out: Mutable<ReadableLogRecord> = {
    hrTime: cleanTime(read(r, 'hrTime'), counts) ?? observed,
    hrTimeObserved: observed,
    resource: cleanResource(read(r, 'resource'), counts),
    instrumentationScope: cleanScope(read(r, 'instrumentationScope'), counts),
    attributes: {},
    droppedAttributesCount: cleanCount(read(r, 'droppedAttributesCount'), MAX_U32, counts),
  };
  let severityText = cleanText(read(r, 'severityText'), counts);
  const n = read(r, 'severityNumber');
  if (n !== undefined) {
    if (isUint(n, 24)) {
      out.severityNumber = n as ReadableLogRecord['severityNumber'];
    } else {
      // OTel's data model: an unmappable severity is UNSPECIFIED (0), the source's own spelling
      // kept as severityText.
      counts.number++;
      out.severityNumber = 0 as ReadableLogRecord['severityNumber'];
      severityText ??= n === FAILED ? unreadable(readError) : cleanText(textOf(n), counts);
    }
  }
  if (severityText !== undefined) out.severityText = severityText;
  const eventName = cleanText(read(r, 'eventName'), counts);
  if (eventName !== undefined) out.eventName = eventName;
  const sc = cleanSpan(read(r, 'spanContext'), counts);
  if (sc !== undefined) out.spanContext = sc;
  const b: Budget = { units: MAX_RECORD_UNITS };
  const body = read(r, 'body');
  if (body === FAILED) {
    counts.unreadable++;
    out.body = unreadable(readError);
  } else if (body !== undefined) {
    const c = copyValue(body, 0, b, counts, []);
    if (c === OVER_BUDGET) {
      // The placeholder stands for it: what the body did not use is left to the attributes.
      counts.size_limit++;
      b.units = MAX_RECORD_UNITS - SIZE_LIMIT.length - UNITS_PER_VALUE;
    }
    out.body = (c === OVER_BUDGET ? SIZE_LIMIT : c) as ReadableLogRecord['body'];
  }
  const dropped = copyAttributes(read(r, 'attributes'), b, counts, out.attributes as Attributes);
  out.droppedAttributesCount = Math.min(MAX_U32, out.droppedAttributesCount + dropped);
  return out;
}

/**
 * Copies `a` into `into`; returns how many attributes did not fit the budget: the first that
 * does not, and every one after it, is dropped (as OTel's attribute limits drop the later ones),
 * so a walk never restarts and the time stays bounded by the budget.
 */
function copyAttributes(
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

function cleanTime(t: unknown, counts: SubstitutionCounts): [number, number] | undefined {
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

function cleanCount(v: unknown, max: number, counts: SubstitutionCounts): number {
  if (isUint(v, max)) return v as number;
  if (v === FAILED) counts.unreadable++;
  else counts.number++;
  if (typeof v !== 'number' || !(v > 0)) return 0;
  return Math.min(max, Math.floor(v));
}

/** `String(v)`, or the unreadable placeholder when conversion throws. */
function textOf(v: unknown): string {
  try {
    return String(v);
  } catch (err) {
    return unreadable(err);
  }
}

function cleanText(v: unknown, counts: SubstitutionCounts): string | undefined {
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

function cleanSpan(v: unknown, counts: SubstitutionCounts): SpanContext | undefined {
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

/** True when `v` is a clean resource (checked once per resource object, then by identity). */
function isCleanResource(v: unknown): boolean {
  if (v === lastResource) return true;
  if (typeof v !== 'object' || v === null) return false;
  const known = verdicts.get(v);
  if (known !== undefined) {
    if (known === v) lastResource = v;
    return known === v;
  }
  // Reading the attributes of a resource still detecting them logs an error and gives a
  // partial set: leave it to the export, which runs after they settle.
  if ((v as { asyncAttributesPending?: unknown }).asyncAttributesPending === true) return true;
  if (
    !isCleanText((v as Resource).schemaUrl) ||
    !isCleanAttributes((v as Resource).attributes, { units: MAX_RECORD_UNITS })
  ) {
    return false;
  }
  verdicts.set(v, v);
  lastResource = v;
  return true;
}

function cleanResource(v: unknown, counts: SubstitutionCounts): Resource {
  if (safely(isCleanResource, v)) return v as Resource;
  const isObject = typeof v === 'object' && v !== null;
  const known = isObject ? verdicts.get(v) : undefined;
  if (known !== undefined) return known as Resource;
  if (!isObject) counts.type++;
  const attrs: Attributes = {};
  copyAttributes(read(v, 'attributes'), { units: MAX_RECORD_UNITS }, counts, attrs);
  const url = cleanText(read(v, 'schemaUrl'), counts);
  const out = resourceFromAttributes(
    attrs as Parameters<typeof resourceFromAttributes>[0],
    url === undefined ? undefined : { schemaUrl: url },
  );
  // Counted once: the records that share this resource share its copy.
  if (isObject) verdicts.set(v, out);
  return out;
}

/** True when `v` is a clean scope (checked once per scope object, then by identity). */
function isCleanScope(v: unknown): boolean {
  if (v === lastScope) return true;
  if (typeof v !== 'object' || v === null) return false;
  const known = verdicts.get(v);
  if (known !== undefined) {
    if (known === v) lastScope = v;
    return known === v;
  }
  const s = v as Scope;
  const clean =
    typeof s.name === 'string' &&
    isCleanText(s.name) &&
    isCleanText(s.version) &&
    isCleanText(s.schemaUrl) &&
    (s.droppedAttributesCount === undefined || isUint(s.droppedAttributesCount, MAX_U32)) &&
    (s.attributes === undefined || isCleanAttributes(s.attributes, { units: MAX_RECORD_UNITS }));
  if (!clean) return false;
  verdicts.set(v, v);
  lastScope = v;
  return true;
}

function cleanScope(v: unknown, counts: SubstitutionCounts): Scope {
  if (safely(isCleanScope, v)) return v as Scope;
  const isObject = typeof v === 'object' && v !== null;
  const known = isObject ? verdicts.get(v) : undefined;
  if (known !== undefined) return known as Scope;
  if (!isObject) counts.type++;
  const out: Mutable<Scope> = { name: cleanText(read(v, 'name'), counts) ?? '' };
  const version = cleanText(read(v, 'version'), counts);
  if (version !== undefined) out.version = version;
  const url = cleanText(read(v, 'schemaUrl'), counts);
  if (url !== undefined) out.schemaUrl = url;
  const dropped = read(v, 'droppedAttributesCount');
  let n = dropped === undefined ? 0 : cleanCount(dropped, MAX_U32, counts);
  const attrs = read(v, 'attributes');
  if (attrs !== undefined) {
    const copy: Attributes = {};
    n += copyAttributes(attrs, { units: MAX_RECORD_UNITS }, counts, copy);
    out.attributes = copy as Scope['attributes'];
  }
  if (n > 0) out.droppedAttributesCount = Math.min(MAX_U32, n);
  if (isObject) verdicts.set(v, out);
  return out;
}

/** `check(v)`, false when it throws (a hostile object is not clean). */
function safely(check: (v: unknown) => boolean, v: unknown): boolean {
  try {
    return check(v);
  } catch {
    return false;
  }
}

export { CYCLIC, DEPTH_LIMIT, SIZE_LIMIT };
