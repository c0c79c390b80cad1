/**
 * Case-insensitive glob patterns over attribute keys: `*` matches any run of characters (none
 * included), `?` exactly one, every other character itself (`.` and `-` are not special). Use
 * them where a rule names keys: `password`, `*token*`, `http.request.header.*`.
 *
 * Matching is linear in the key for each pattern segment (no backtracking regex): a glob's
 * segments between stars have fixed lengths, so the leftmost place each one fits is always the
 * best choice, and a hostile 1 MiB key costs one scan per segment.
 */
export type KeyGlob = (lowerCaseKey: string) => boolean;

/** Compiles `pattern` (any case) into a test of a lower-case key. */
export function compileKeyGlob(pattern: string): KeyGlob {
  const parts = pattern.toLowerCase().split('*');
  if (parts.length === 1) {
    const exact = parts[0]!;
    return exact.includes('?')
      ? (k) => k.length === exact.length && fitsAt(k, 0, exact)
      : (k) => k === exact;
  }
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  const middle = parts.slice(1, -1).filter((p) => p !== '');
  const minLength = first.length + last.length + middle.reduce((n, p) => n + p.length, 0);
  const wild = pattern.includes('?');
  // The common shapes, without the general loop: `*x*`, `x*`, `*x`.
  if (!wild && middle.length <= 1) {
    const mid = middle[0] ?? '';
    if (first === '' && last === '') return (k) => k.includes(mid);
    if (mid === '' && last === '') return (k) => k.startsWith(first);
    if (mid === '' && first === '') return (k) => k.endsWith(last);
  }
  return (k) => {
    if (k.length < minLength || !fitsAt(k, 0, first)) return false;
    const end = k.length - last.length;
    if (!fitsAt(k, end, last)) return false;
    let at = first.length;
    for (const segment of middle) {
      const found = find(k, segment, at, end);
      if (found < 0) return false;
      at = found + segment.length;
    }
    return true;
  };
}

/** True when `segment` (`?` = any one character) matches `key` at `at`. */
function fitsAt(key: string, at: number, segment: string): boolean {
  if (at < 0 || at + segment.length > key.length) return false;
  for (let i = 0; i < segment.length; i++) {
    const c = segment.charCodeAt(i);
    if (c !== 63 /* ? */ && c !== key.charCodeAt(at + i)) return false;
  }
  return true;
}

/** First index ≥ `from` where `segment` fits and ends by `end`, else −1. */
function find(key: string, segment: string, from: number, end: number): number {
  if (!segment.includes('?')) {
    const i = key.indexOf(segment, from);
    return i >= 0 && i + segment.length <= end ? i : -1;
  }
  for (let i = from; i + segment.length <= end; i++) if (fitsAt(key, i, segment)) return i;
  return -1;
}

/** Keys whose answer is remembered: keys repeat across records, patterns are many. */
const CACHE_LIMIT = 4096;
/** Keys longer than this are matched every time, not cached (a hostile key must not pin memory). */
const CACHEABLE_KEY_LENGTH = 256;

/**
 * A set of key globs with exceptions: {@link matches} is true when some glob matches the key and
 * no exception does. Answers are cached per key (bounded), so a record's keys cost one map lookup
 * each after the first sight.
 */
export class KeyMatcher {
  readonly empty: boolean;
  private readonly globs: KeyGlob[];
  private readonly exceptions: KeyGlob[];
  private readonly cache = new Map<string, boolean>();

  constructor(patterns: readonly string[], exceptions: readonly string[] = []) {
    this.globs = patterns.map(compileKeyGlob);
    this.exceptions = exceptions.map(compileKeyGlob);
    this.empty = this.globs.length === 0;
  }

  matches(key: string): boolean {
    if (this.empty) return false;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const lower = key.toLowerCase();
    const hit = this.globs.some((g) => g(lower)) && !this.exceptions.some((g) => g(lower));
    if (key.length <= CACHEABLE_KEY_LENGTH) {
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(key, hit);
    }
    return hit;
  }
}
