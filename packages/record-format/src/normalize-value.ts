/**
 * The AnyValue half of record normalisation (see normalize-log-record.ts): a cheap validating
 * walk, and the copy that replaces what the walk refused. Both are bounded by depth and by a
 * per-record budget, so neither can loop, recurse without end or run for longer than the budget.
 */

/** Arrays and maps nest at most this deep (the body or attribute value itself is level 1). */
export const MAX_VALUE_DEPTH = 31;
/**
 * Budget of a record's body and attributes, in units: one per UTF-16 code unit of a string or
 * key and per byte of a byte array, plus {@link UNITS_PER_VALUE} per value and per key.
 */
export const MAX_RECORD_UNITS = 1_048_576;
/** What each value and each key costs on top of its chars or bytes. */
export const UNITS_PER_VALUE = 16;

/** The kinds of substitution, in the order {@link SubstitutionCounts} lists them. */
export const SUBSTITUTION_KINDS = [
  'cyclic',
  'depth_limit',
  'unreadable',
  'size_limit',
  'number',
  'text',
  'surrogate',
  'type',
] as const;

/** One of {@link SUBSTITUTION_KINDS}. */
export type SubstitutionKind = (typeof SUBSTITUTION_KINDS)[number];

/** Values replaced by normalisation, by kind. */
export type SubstitutionCounts = Record<SubstitutionKind, number>;

/** A counter of every kind at zero. */
export function emptySubstitutionCounts(): SubstitutionCounts {
  return {
    cyclic: 0,
    depth_limit: 0,
    unreadable: 0,
    size_limit: 0,
    number: 0,
    text: 0,
    surrogate: 0,
    type: 0,
  };
}

export const CYCLIC = '[cyclic]';
export const DEPTH_LIMIT = '[depth limit]';
export const SIZE_LIMIT = '[size limit]';

/** The placeholder for a value whose reading threw: `[unreadable: TypeError]`. */
export function unreadable(err: unknown): string {
  let name = 'Error';
  try {
    const n = (err as { name?: unknown } | null | undefined)?.name;
    if (typeof n === 'string' && /^[A-Za-z0-9_$.]{1,64}$/.test(n)) name = n;
  } catch {
    // A hostile error object: its name is unreadable too.
  }
  return `[unreadable: ${name}]`;
}

// String.prototype.isWellFormed / toWellFormed (ES2024, Node ≥ 20): lib ES2023 does not type them.
type WellFormed = { isWellFormed(): boolean; toWellFormed(): string };
export function isWellFormed(s: string): boolean {
  return (s as unknown as WellFormed).isWellFormed();
}
export function toWellFormed(s: string): string {
  return (s as unknown as WellFormed).toWellFormed();
}

/** A map whose keys are exactly what `for…in` lists: a plain object (or one without prototype). */
export function isPlainMap(v: object): boolean {
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

/** The walk's running budget (units left); below 0 once exceeded. */
export interface Budget {
  units: number;
}

/**
 * True when `v` is a value every encoder writes and reads back as it is: a well-formed string,
 * any number, boolean, null, undefined, a Uint8Array, or an array or plain map of such, nested
 * at most {@link MAX_VALUE_DEPTH} deep, within the budget. Reads may throw (a Proxy, a getter):
 * the caller catches and copies.
 */
export function isCleanValue(v: unknown, depth: number, budget: Budget): boolean {
  switch (typeof v) {
    case 'string':
      budget.units -= v.length + UNITS_PER_VALUE;
      return budget.units >= 0 && isWellFormed(v);
    case 'number':
    case 'boolean':
    case 'undefined':
      budget.units -= UNITS_PER_VALUE;
      return budget.units >= 0;
    case 'object': {
      budget.units -= UNITS_PER_VALUE;
      if (v === null) return budget.units >= 0;
      if (v instanceof Uint8Array) {
        budget.units -= v.length;
        return budget.units >= 0;
      }
      if (depth >= MAX_VALUE_DEPTH) return false;
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          if (!isCleanValue(v[i], depth + 1, budget)) return false;
        }
        return budget.units >= 0;
      }
      return isPlainMap(v) && isCleanMap(v as Record<string, unknown>, depth + 1, budget);
    }
    default:
      return false;
  }
}

/** {@link isCleanValue} for each entry of a map whose values sit at `depth`. */
export function isCleanMap(m: Record<string, unknown>, depth: number, budget: Budget): boolean {
  for (const k in m) {
    budget.units -= k.length + UNITS_PER_VALUE;
    if (!isWellFormed(k) || !isCleanValue(m[k], depth, budget)) return false;
  }
  return budget.units >= 0;
}

/** Returned by {@link copyValue} when the budget ran out inside the value. */
export const OVER_BUDGET: unique symbol = Symbol('over budget');

/** Sets `key` on `out` as an own property, `__proto__` included (plain assignment would not). */
export function setEntry(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(out, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    out[key] = value;
  }
}

/**
 * A clean copy of `v` (see {@link isCleanValue}): cycles, values nested too deep and reads that
 * throw become placeholder strings, lone surrogates U+FFFD, bigints numbers (or decimal strings
 * beyond 2^53), functions and symbols undefined, other objects plain maps of their own
 * enumerable properties. {@link OVER_BUDGET} when the budget ran out.
 */
export function copyValue(
  v: unknown,
  depth: number,
  budget: Budget,
  counts: SubstitutionCounts,
  ancestors: object[],
): unknown {
  budget.units -= UNITS_PER_VALUE;
  if (budget.units < 0) return OVER_BUDGET;
  switch (typeof v) {
    case 'string':
      budget.units -= v.length;
      if (budget.units < 0) return OVER_BUDGET;
      if (isWellFormed(v)) return v;
      counts.surrogate++;
      return toWellFormed(v);
    case 'number':
    case 'boolean':
    case 'undefined':
      return v;
    case 'bigint':
      counts.type++;
      return v >= -Number.MAX_SAFE_INTEGER && v <= Number.MAX_SAFE_INTEGER
        ? Number(v)
        : v.toString();
    case 'object':
      if (v === null) return null;
      return copyObject(v, depth, budget, counts, ancestors);
    default:
      counts.type++;
      return undefined;
  }
}

function copyObject(
  v: object,
  depth: number,
  budget: Budget,
  counts: SubstitutionCounts,
  ancestors: object[],
): unknown {
  if (ancestors.includes(v)) {
    counts.cyclic++;
    return CYCLIC;
  }
  try {
    if (v instanceof Uint8Array) {
      budget.units -= v.length;
      return budget.units < 0 ? OVER_BUDGET : v;
    }
    if (depth >= MAX_VALUE_DEPTH) {
      counts.depth_limit++;
      return DEPTH_LIMIT;
    }
    ancestors.push(v);
    try {
      return Array.isArray(v)
        ? copyArray(v, depth, budget, counts, ancestors)
        : copyMap(v, depth, budget, counts, ancestors);
    } finally {
      ancestors.pop();
    }
  } catch (err) {
    counts.unreadable++;
    return unreadable(err);
  }
}

function copyArray(
  v: unknown[],
  depth: number,
  budget: Budget,
  counts: SubstitutionCounts,
  ancestors: object[],
): unknown {
  const n = v.length;
  const out = new Array<unknown>(n);
  for (let i = 0; i < n; i++) {
    const item = readEntry(v, i, counts);
    const c = copyValue(item, depth + 1, budget, counts, ancestors);
    if (c === OVER_BUDGET) return c;
    out[i] = c;
  }
  return out;
}

function copyMap(
  v: object,
  depth: number,
  budget: Budget,
  counts: SubstitutionCounts,
  ancestors: object[],
): unknown {
  // Encoders list a map's keys with for…in: a non-plain object keeps its own keys only.
  const plain = isPlainMap(v);
  if (!plain) counts.type++;
  const keys = plain ? keysOf(v) : Object.keys(v);
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    budget.units -= k.length + UNITS_PER_VALUE;
    if (budget.units < 0) return OVER_BUDGET;
    const c = copyValue(readEntry(v, k, counts), depth + 1, budget, counts, ancestors);
    if (c === OVER_BUDGET) return c;
    setEntry(out, cleanKey(k, counts), c);
  }
  return out;
}

/** The keys `for…in` lists (what the encoders iterate). */
export function keysOf(v: object): string[] {
  const keys: string[] = [];
  for (const k in v) keys.push(k);
  return keys;
}

/** A key with lone surrogates repaired (counted). */
export function cleanKey(k: string, counts: SubstitutionCounts): string {
  if (isWellFormed(k)) return k;
  counts.surrogate++;
  return toWellFormed(k);
}

/** `v[k]`, or the unreadable placeholder when the read throws (a getter, a Proxy trap). */
export function readEntry(v: object, k: string | number, counts: SubstitutionCounts): unknown {
  try {
    return (v as Record<string | number, unknown>)[k];
  } catch (err) {
    counts.unreadable++;
    return unreadable(err);
  }
}
