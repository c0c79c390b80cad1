import { createHmac } from 'node:crypto';
import {
  BUILTIN_RULES,
  BUILTIN_VALUE_RULES,
  type CompiledValueRule,
  DEFAULT_RULES,
  SECRET_KEY_EXCEPTIONS,
  SECRET_KEY_GLOBS,
} from '../builtin-rules';
import { KeyMatcher } from '../key-glob';
import type {
  BuiltinRuleName,
  CustomRedactionRule,
  RedactingLogRecordProcessorOptions,
} from '../types';

/** Default of `maxValueChars`: 64 KiB of text per value. */
export const DEFAULT_MAX_VALUE_CHARS = 65_536;
/** Default of `replacement`. */
export const DEFAULT_REPLACEMENT = '[REDACTED]';
/** Counter names besides the rules': what trimming and hostile values count under. */
export const TRIM_RULES = ['truncate', 'drop', 'cyclic', 'depth_limit', 'unreadable'] as const;

/** A value rule with its counter slot. */
export interface PlannedValueRule extends CompiledValueRule {
  slot: number;
  /**
   * For a rule without a trigger: its pattern without the global flag, for the `test` before a
   * replace (a global pattern's `test` reads and writes `lastIndex`, off the engine's fast path).
   */
  probe?: RegExp;
}

/** A key rule with its counter slot. */
export interface PlannedKeyRule {
  matcher: KeyMatcher;
  slot: number;
}

/** The options resolved into what the redactor runs: matchers compiled, counters assigned. */
export interface RedactionPlan {
  keyRules: PlannedKeyRule[];
  drop: KeyMatcher | undefined;
  valueRules: PlannedValueRule[];
  /** The value rules without a trigger, in order: all a string that matches no trigger runs. */
  untriggered: PlannedValueRule[];
  custom: Array<{ rule: CustomRedactionRule; slot: number }>;
  /** The triggers of the value rules in use, as one test (see `CompiledValueRule.trigger`). */
  trigger: RegExp | undefined;
  /** The smallest `minLength` of the value rules in use: shorter strings skip them all. */
  minLength: number;
  maxValueChars: number;
  replacement: string;
  /** Counter names in slot order. */
  names: string[];
}

/**
 * Resolves processor options. Bad options are programming errors of the caller, thrown at
 * construction (never from `onEmit`): an unknown built-in name, a rule without a name, a negative
 * `maxValueChars`.
 */
export function planRedaction(options: RedactingLogRecordProcessorOptions): RedactionPlan {
  const rules = new Set<BuiltinRuleName>(options.rules ?? DEFAULT_RULES);
  for (const r of rules) {
    if (!BUILTIN_RULES.includes(r)) {
      throw new TypeError(
        `unknown built-in redaction rule ${JSON.stringify(r)}; known: ${BUILTIN_RULES.join(', ')}`,
      );
    }
  }
  const maxValueChars = options.maxValueChars ?? DEFAULT_MAX_VALUE_CHARS;
  if (!Number.isSafeInteger(maxValueChars) || maxValueChars < 0) {
    throw new RangeError(
      `maxValueChars must be an integer ≥ 0 (0 = no limit), not ${maxValueChars}`,
    );
  }
  const replacement = options.replacement ?? DEFAULT_REPLACEMENT;
  const names: string[] = [];
  const slot = (name: string): number => {
    if (typeof name !== 'string' || name === '')
      throw new TypeError('a redaction rule needs a name');
    const i = names.indexOf(name);
    if (i >= 0) return i;
    names.push(name);
    return names.length - 1;
  };
  const keep = [...SECRET_KEY_EXCEPTIONS, ...(options.keepKeys ?? [])];
  const keyRules: PlannedKeyRule[] = [];
  if (rules.has('secret-keys')) {
    keyRules.push({ matcher: new KeyMatcher(SECRET_KEY_GLOBS, keep), slot: slot('secret-keys') });
  }
  if (options.keys && options.keys.length > 0) {
    keyRules.push({ matcher: new KeyMatcher(options.keys, keep), slot: slot('keys') });
  }
  const valueRules: PlannedValueRule[] = [];
  for (const name of BUILTIN_RULES) {
    const rule = BUILTIN_VALUE_RULES[name];
    if (!rule || !rules.has(name)) continue;
    const planned = { ...rule, slot: slot(name) };
    if (name === 'email' && options.emailHashKey !== undefined) {
      const key = options.emailHashKey;
      planned.replace = (m) =>
        `[email:${createHmac('sha256', key).update(m.toLowerCase()).digest('hex').slice(0, 8)}]`;
    }
    valueRules.push(planned);
  }
  for (const p of options.patterns ?? []) {
    const flags = p.pattern.flags.replace(/[gy]/g, '');
    const pattern = new RegExp(p.pattern.source, `${flags}g`);
    const custom = p.replacement;
    valueRules.push({
      name: p.name,
      pattern,
      mayMatch: () => true,
      minLength: 1,
      replace:
        typeof custom === 'function'
          ? (m) => custom(m)
          : (_m, _g, r) => (custom === undefined ? r : custom),
      slot: slot(p.name),
    });
  }
  const custom = (options.custom ?? []).map((rule) => ({ rule, slot: slot(rule.name) }));
  for (const t of TRIM_RULES) slot(t);
  const dropKeys = options.dropKeys ?? [];
  const triggers = valueRules.flatMap((r) => (r.trigger === undefined ? [] : [r.trigger]));
  for (const r of valueRules) {
    if (r.trigger === undefined)
      r.probe = new RegExp(r.pattern.source, r.pattern.flags.replace('g', ''));
  }
  return {
    keyRules,
    trigger: triggers.length > 0 ? new RegExp(triggers.join('|')) : undefined,
    minLength: Math.min(...valueRules.map((r) => r.minLength)),
    drop: dropKeys.length > 0 ? new KeyMatcher(dropKeys) : undefined,
    valueRules,
    untriggered: valueRules.filter((r) => r.trigger === undefined),
    custom,
    maxValueChars,
    replacement,
    names,
  };
}
