import { CYCLIC, DEPTH_LIMIT, MAX_VALUE_DEPTH, setEntry } from '@spillway/record-format';
import type { PlannedValueRule, RedactionPlan } from './redaction-plan';
import type { RedactionCounters } from './redaction-stats';

/**
 * How far past `maxValueChars` a long string is still scanned before it is cut: a secret that
 * starts before the cut and ends within this margin (a PEM block is 1.7–3.3 KiB) is still seen
 * whole and replaced, and a multi-megabyte string costs the scan of its first `maxValueChars +
 * SCAN_MARGIN` characters only.
 */
export const SCAN_MARGIN = 8192;

/** The end of a cut value, `…[truncated 123456 chars]`: the value's length before the cut. */
export function truncationMarker(originalLength: number): string {
  return `…[truncated ${originalLength} chars]`;
}

/**
 * Applies a {@link RedactionPlan} to AnyValues, copy-on-write: what needs no change is returned
 * as the same object (a record that needs no change gets no copies), what does is copied — the
 * app's own objects are never modified. Walks arrays and maps (plain ones by `for…in`, others by
 * their own keys, as the encoders read them); a cycle, a value nested deeper than the encoders
 * allow or a read that throws becomes a placeholder, counted.
 */
export class ValueRedactor {
  private readonly cyclic: number;
  private readonly depthLimit: number;
  private readonly unreadable: number;
  private readonly truncate: number;
  private readonly dropSlot: number;

  constructor(
    private readonly plan: RedactionPlan,
    private readonly counters: RedactionCounters,
  ) {
    this.cyclic = counters.slot('cyclic');
    this.depthLimit = counters.slot('depth_limit');
    this.unreadable = counters.slot('unreadable');
    this.truncate = counters.slot('truncate');
    this.dropSlot = counters.slot('drop');
  }

  /** True when `key` is to be removed (counted). */
  drop(key: string): boolean {
    if (this.plan.drop === undefined || !this.plan.drop.matches(key)) return false;
    this.counters.add(this.dropSlot, 1);
    return true;
  }

  /**
   * The value stored under `key`, redacted: the replacement when a key rule names the key (and
   * the value is not empty), else {@link value}.
   */
  entry(key: string, v: unknown, depth: number, ancestors: object[]): unknown {
    for (const rule of this.plan.keyRules) {
      if (!rule.matcher.matches(key)) continue;
      if (v === undefined || v === null || v === '') return v;
      this.counters.add(rule.slot, 1);
      return this.plan.replacement;
    }
    return this.value(v, key, depth, ancestors);
  }

  /** `v` redacted (the same value when nothing changed). `depth` of a body or attribute is 1. */
  value(v: unknown, key: string | undefined, depth: number, ancestors: object[]): unknown {
    if (typeof v === 'string') return this.string(v, key);
    if (typeof v !== 'object' || v === null || v instanceof Uint8Array) return v;
    if (ancestors.includes(v)) {
      this.counters.add(this.cyclic, 1);
      return CYCLIC;
    }
    if (depth >= MAX_VALUE_DEPTH) {
      this.counters.add(this.depthLimit, 1);
      return DEPTH_LIMIT;
    }
    ancestors.push(v);
    try {
      return Array.isArray(v)
        ? this.array(v, key, depth, ancestors)
        : this.map(v as Record<string, unknown>, depth, ancestors);
    } catch {
      // A Proxy or getter that throws: its content cannot be checked, so none of it is kept.
      this.counters.add(this.unreadable, 1);
      return this.plan.replacement;
    } finally {
      ancestors.pop();
    }
  }

  /** A string value: value rules, custom rules, then the length bound. */
  string(s: string, key: string | undefined): string {
    const max = this.plan.maxValueChars;
    const preCut = max > 0 && s.length > max + SCAN_MARGIN;
    let out = preCut ? s.slice(0, max + SCAN_MARGIN) : s;
    // Every value is scanned: a set of values known clean was tried and cost more than it saved
    // (hashing a string the app built for this record costs about what its scan does; README).
    if (out.length >= this.plan.minLength) out = this.applyValueRules(out);
    for (const { rule, slot } of this.plan.custom) {
      let next: unknown;
      try {
        next = rule.redact(out, key);
      } catch {
        next = undefined;
        this.counters.errors++;
      }
      if (next === out) continue;
      this.counters.add(slot, 1);
      out = typeof next === 'string' ? next : this.plan.replacement;
    }
    if (preCut || (max > 0 && out.length > max)) {
      this.counters.add(this.truncate, 1);
      out = cut(out, max) + truncationMarker(s.length);
    }
    return out;
  }

  private applyValueRules(s: string): string {
    let out = s;
    const triggered = this.plan.trigger?.test(out) ?? false;
    // A rule without a trigger is tested before it replaces: `test` costs less than a `replace`
    // that finds nothing, and nothing is what it finds in most log text. A string that matches no
    // trigger runs only those rules.
    for (const rule of triggered ? this.plan.valueRules : this.plan.untriggered) {
      if (out.length < rule.minLength) continue;
      if (rule.probe !== undefined && !rule.probe.test(out)) continue;
      if (rule.mayMatch(out)) out = this.applyRule(rule, out);
    }
    return out;
  }

  // Each match found by `exec` from the rule's own position, so a replacement that runs another
  // redaction (an app callback that logs) cannot move it. The text is rebuilt only around the
  // matches `replace` changed: most candidates (a long number that fails Luhn) change nothing,
  // and then the string is returned as it was, with no copy and no per-match closure call.
  private applyRule(rule: PlannedValueRule, s: string): string {
    const pattern = rule.pattern;
    const replacement = this.plan.replacement;
    let out = '';
    let copied = 0; // s[0, copied) is in `out`
    let n = 0;
    let from = 0;
    while (from <= s.length) {
      pattern.lastIndex = from;
      const m = pattern.exec(s);
      if (m === null) break;
      const found = m[0];
      const end = m.index + found.length;
      // An empty match (a user pattern such as `a*`) hides nothing: replacing it would insert
      // the replacement between every two characters.
      if (found === '') {
        from = advanceIndex(s, end, /[uv]/.test(pattern.flags));
        continue;
      }
      from = end;
      let t: string | undefined;
      try {
        t = rule.replace(found, m.length === 1 ? NO_GROUPS : m.slice(1), replacement, end, s);
      } catch {
        // A replacement function of the user's failed: the match is not kept (fail closed).
        this.counters.errors++;
        t = replacement;
      }
      if (typeof t !== 'string' || t === found) continue;
      out += s.slice(copied, m.index) + t;
      copied = end;
      n++;
    }
    pattern.lastIndex = 0;
    if (n === 0) return s;
    this.counters.add(rule.slot, n);
    return out + s.slice(copied);
  }

  private array(v: unknown[], key: string | undefined, depth: number, ancestors: object[]) {
    let out: unknown[] | undefined;
    const n = v.length;
    for (let i = 0; i < n; i++) {
      const item = v[i];
      const next = this.value(item, key, depth + 1, ancestors);
      if (next !== item && out === undefined) out = v.slice(0, i);
      if (out !== undefined) out.push(next);
    }
    return out ?? v;
  }

  private map(v: Record<string, unknown>, depth: number, ancestors: object[]): unknown {
    const proto = Object.getPrototypeOf(v);
    const keys = proto === Object.prototype || proto === null ? keysOf(v) : Object.keys(v);
    const values = keys.map((k) => v[k]);
    let out: Record<string, unknown> | undefined;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const item = values[i];
      const dropped = this.drop(k);
      const next = dropped ? undefined : this.entry(k, item, depth + 1, ancestors);
      if (out === undefined && (dropped || next !== item)) {
        out = {};
        for (let j = 0; j < i; j++) setEntry(out, keys[j]!, values[j]);
      }
      if (out !== undefined && !dropped) setEntry(out, k, next);
    }
    return out ?? v;
  }
}

const NO_GROUPS = Object.freeze([]) as unknown as string[];

/**
 * Where the search goes on after an empty match at `i`, as `String.prototype.replace` does: one
 * code unit on, or one code point under the `u` and `v` flags.
 */
function advanceIndex(s: string, i: number, unicode: boolean): number {
  if (!unicode || i + 1 >= s.length) return i + 1;
  const c = s.charCodeAt(i);
  if (c < 0xd800 || c > 0xdbff) return i + 1;
  const d = s.charCodeAt(i + 1);
  return d >= 0xdc00 && d <= 0xdfff ? i + 2 : i + 1;
}

/** Keys a plain map's encoders list (`for…in`). */
function keysOf(m: object): string[] {
  const keys: string[] = [];
  for (const k in m) keys.push(k);
  return keys;
}

/** The first `max` code units, one fewer if that would split a surrogate pair. */
function cut(s: string, max: number): string {
  const c = s.charCodeAt(max - 1);
  return s.slice(0, c >= 0xd800 && c <= 0xdbff ? max - 1 : max);
}
