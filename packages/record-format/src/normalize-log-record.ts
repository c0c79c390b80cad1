import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { commonRecordUnits, NOT_COMMON } from './normalize-common-shape';
import {
  cleanCount,
  cleanSpan,
  cleanText,
  cleanTime,
  copyAttributes,
  FAILED,
  isCleanAttributes,
  isCleanSpan,
  isCleanText,
  isCleanTime,
  isUint,
  lastReadError,
  MAX_U32,
  read,
  textOf,
} from './normalize-fields';
import {
  type Budget,
  CYCLIC,
  copyValue,
  DEPTH_LIMIT,
  isCleanValue,
  MAX_RECORD_UNITS,
  OVER_BUDGET,
  SIZE_LIMIT,
  type SubstitutionCounts,
  UNITS_PER_VALUE,
  unreadable,
} from './normalize-value';

/*
 * The one boundary where a record from outside spillway becomes one every encoder can write and
 * read back. The normal path is a validating walk that allocates nothing and returns the record
 * itself (first the fast path for the common shape, normalize-common-shape.ts, then the full walk
 * for the rest); only a record with something wrong in it is copied, field by field, with each wrong
 * value replaced by its documented substitute and counted (README, "Normalisation").
 */

type Resource = ReadableLogRecord['resource'];
type Scope = ReadableLogRecord['instrumentationScope'];
type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Attributes = Record<string, unknown>;

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
    out =
      commonRecordUnits(record, lastResource, lastScope) !== NOT_COMMON || isCleanRecord(record)
        ? record
        : copyRecord(record, counts);
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

/**
 * As {@link normalizeLogRecord}, without reading or setting the per-record mark: for a stage that
 * marks the batches it hands on instead ({@link markNormalizedBatch}). The mark is a property
 * added to the record, and adding one to every record of a busy emit path costs about as much as
 * the rest of the check and gives the SDK's record objects a second shape for every later reader;
 * one write per batch costs neither. Never throws.
 */
export function cleanLogRecord(
  record: ReadableLogRecord,
  counts: SubstitutionCounts,
): ReadableLogRecord {
  checked = record;
  try {
    checkedUnits = commonRecordUnits(record, lastResource, lastScope);
    if (checkedUnits !== NOT_COMMON || isCleanRecord(record)) return record;
  } catch {
    // A read threw: the copy reads each field on its own and names what failed.
    checkedUnits = NOT_COMMON;
  }
  return copyRecord(record, counts);
}

// The record cleanLogRecord last checked, and the budget units its common-shape check counted.
let checked: unknown;
let checkedUnits = NOT_COMMON;

/**
 * The units of the record budget (`MAX_RECORD_UNITS`: one per UTF-16 unit of a string, plus
 * `UNITS_PER_VALUE` per key and value) that the body and attributes of `record` use, when
 * `record` is the one {@link cleanLogRecord} was called with last and its common-shape check
 * counted them; -1 otherwise. For a stage that sizes each record it cleans (the processor's
 * queue): the walk it would need has just been done.
 */
export function cleanRecordUnits(record: ReadableLogRecord): number {
  return record === checked ? checkedUnits : NOT_COMMON;
}

/**
 * Marks `records` (the array) as holding only records {@link cleanLogRecord} or
 * {@link normalizeLogRecord} returned, so {@link normalizeLogRecords} returns it at once at the
 * next stage. Only for a new array no one appends to afterwards. Returns `records`.
 */
export function markNormalizedBatch<T extends ReadableLogRecord[]>(records: T): T {
  (records as { [CLEAN]?: true })[CLEAN] = true;
  return records;
}

/** True when `records` was marked by {@link markNormalizedBatch} (its records are not walked again). */
export function isNormalizedBatch(records: readonly ReadableLogRecord[]): boolean {
  return (records as { [CLEAN]?: true })[CLEAN] === true;
}

/**
 * {@link normalizeLogRecord} for each record; the same array when none needed a copy, or at once
 * when the array was marked by {@link markNormalizedBatch}.
 */
export function normalizeLogRecords(
  records: ReadableLogRecord[],
  counts: SubstitutionCounts,
): ReadableLogRecord[] {
  if (isNormalizedBatch(records)) return records;
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
      severityText ??= n === FAILED ? unreadable(lastReadError()) : cleanText(textOf(n), counts);
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
    out.body = unreadable(lastReadError());
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

/** True when `v` is a clean resource (checked once per resource object, then by identity). */
function isCleanResource(v: unknown): boolean {
  // Object first: before any resource was seen, lastResource is undefined too.
  if (typeof v !== 'object' || v === null) return false;
  if (v === lastResource) return true;
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
  if (typeof v !== 'object' || v === null) return false;
  if (v === lastScope) return true;
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

export { MAX_TEXT_UNITS, MAX_TIME_SECONDS } from './normalize-fields';
export { CYCLIC, DEPTH_LIMIT, SIZE_LIMIT };
