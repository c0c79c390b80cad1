import { randomBytes } from 'node:crypto';
import { BUILTIN_RULES, DEFAULT_RULES } from './builtin-rules';
import type { BuiltinRuleName, RedactingLogRecordProcessorOptions } from './types';

/**
 * The text form of the redaction rules (`SPILLWAY_REDACT`): comma-separated parts, applied left
 * to right over the default rules:
 *
 * | part | meaning |
 * |---|---|
 * | `default` | the default built-in rules on (all but `email`) |
 * | `none` | every built-in rule off (user rules of this value still apply) |
 * | `<rule>` / `-<rule>` | one built-in rule on / off: `secret-keys`, `private-key`, `bearer`, `jwt`, `aws-key`, `card`, `email` |
 * | `email:hash` | `email` on, addresses replaced by a keyed hash (`[email:ab12cd34]`) |
 * | `key:<glob>` | values under matching keys replaced (rule `keys`) |
 * | `keep:<glob>` | matching keys never replaced by a key rule |
 * | `drop:<glob>` | matching attribute and map keys removed (rule `drop`) |
 * | `value:<regex>` | matches of a JavaScript regular expression replaced (rule `value:<n>`, n from 1) |
 *
 * Globs are case-insensitive, `*` any run, `?` one character. A comma inside a glob or regex is
 * written `\,` (always: `\,` cannot stand for a backslash then a part separator). Example:
 * `default,email,key:*ssn*,drop:http.request.body`.
 */
export interface RedactionSpec {
  rules: BuiltinRuleName[];
  emailHash: boolean;
  keys: string[];
  keepKeys: string[];
  dropKeys: string[];
  /** Regular expression sources, no flags. */
  patterns: string[];
}

/** What {@link parseRedactSpec} returns: the rules of the parts it accepted, and the others. */
export interface ParsedRedactSpec {
  spec: RedactionSpec;
  /** Parts not accepted (ignored), each as written. */
  invalidParts: string[];
}

/** The accepted form, for configuration warnings. */
export const REDACT_SPEC_FORM =
  'comma-separated parts: default, none, a rule name to turn it on or -name to turn it off (secret-keys, private-key, bearer, jwt, aws-key, card, email), email:hash, key:<glob>, keep:<glob>, drop:<glob>, value:<regex>; e.g. default,email,key:*ssn*';

/** The spec of an unset variable: the default rules, nothing else. */
export function defaultRedactSpec(): RedactionSpec {
  return {
    rules: [...DEFAULT_RULES],
    emailHash: false,
    keys: [],
    keepKeys: [],
    dropKeys: [],
    patterns: [],
  };
}

/**
 * Parses the text form (see {@link RedactionSpec}). Never throws: each part it does not accept
 * is listed in `invalidParts` and ignored, so one typo does not take the other rules away (and
 * the default rules stay on unless `none` is accepted).
 */
export function parseRedactSpec(text: string): ParsedRedactSpec {
  const spec = defaultRedactSpec();
  const rules = new Set(spec.rules);
  const invalidParts: string[] = [];
  for (const raw of splitParts(text)) {
    const part = raw.trim();
    if (part === '') continue;
    const colon = part.indexOf(':');
    const kind = colon < 0 ? part.toLowerCase() : part.slice(0, colon).toLowerCase();
    const arg = colon < 0 ? '' : part.slice(colon + 1);
    if (colon < 0 && kind === 'default') for (const r of DEFAULT_RULES) rules.add(r);
    else if (colon < 0 && kind === 'none') rules.clear();
    else if (colon < 0 && isRule(kind)) rules.add(kind);
    else if (colon < 0 && kind.startsWith('-') && isRule(kind.slice(1))) {
      rules.delete(kind.slice(1) as BuiltinRuleName);
    } else if (kind === 'email' && arg.toLowerCase() === 'hash') {
      rules.add('email');
      spec.emailHash = true;
    } else if (kind === 'key' && arg !== '') spec.keys.push(unescapeCommas(arg));
    else if (kind === 'keep' && arg !== '') spec.keepKeys.push(unescapeCommas(arg));
    else if (kind === 'drop' && arg !== '') spec.dropKeys.push(unescapeCommas(arg));
    else if (kind === 'value' && arg !== '' && compiles(unescapeCommas(arg))) {
      spec.patterns.push(unescapeCommas(arg));
    } else invalidParts.push(part);
  }
  spec.rules = BUILTIN_RULES.filter((r) => rules.has(r));
  return { spec, invalidParts };
}

/** The spec in its text form (what `spillway doctor` prints): parsing it gives the same spec. */
export function formatRedactSpec(spec: RedactionSpec): string {
  const on = new Set(spec.rules);
  const parts: string[] = DEFAULT_RULES.every((r) => on.has(r))
    ? ['default']
    : ['none', ...DEFAULT_RULES.filter((r) => on.has(r))];
  if (on.has('email')) parts.push(spec.emailHash ? 'email:hash' : 'email');
  const esc = (s: string) => s.replace(/,/g, '\\,');
  for (const k of spec.keys) parts.push(`key:${esc(k)}`);
  for (const k of spec.keepKeys) parts.push(`keep:${esc(k)}`);
  for (const k of spec.dropKeys) parts.push(`drop:${esc(k)}`);
  for (const p of spec.patterns) parts.push(`value:${esc(p)}`);
  return parts.join(',');
}

/**
 * The processor options a spec stands for. `emailHashKey` is used when the spec asks for hashed
 * addresses (`email:hash`); without one, a random key is made for this process, so equal
 * addresses are joinable within one process's records only.
 */
export function redactionOptionsOf(
  spec: RedactionSpec,
  emailHashKey?: string | Uint8Array,
): RedactingLogRecordProcessorOptions {
  return {
    rules: spec.rules,
    keys: spec.keys,
    keepKeys: spec.keepKeys,
    dropKeys: spec.dropKeys,
    patterns: spec.patterns.map((source, i) => ({
      name: `value:${i + 1}`,
      pattern: new RegExp(source, 'g'),
    })),
    ...(spec.emailHash ? { emailHashKey: emailHashKey ?? randomBytes(32) } : {}),
  };
}

/**
 * `extra` (rules written in code) over `base` (e.g. {@link redactionOptionsOf} a spec from the
 * environment): key, keep and drop globs, patterns and custom rules are appended; `rules`,
 * `emailHashKey`, `maxValueChars`, `replacement` and `meterProvider` are replaced when `extra`
 * sets them.
 */
export function mergeRedactionOptions(
  base: RedactingLogRecordProcessorOptions,
  extra: RedactingLogRecordProcessorOptions,
): RedactingLogRecordProcessorOptions {
  const defined = Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== undefined));
  return {
    ...base,
    ...defined,
    keys: [...(base.keys ?? []), ...(extra.keys ?? [])],
    keepKeys: [...(base.keepKeys ?? []), ...(extra.keepKeys ?? [])],
    dropKeys: [...(base.dropKeys ?? []), ...(extra.dropKeys ?? [])],
    patterns: [...(base.patterns ?? []), ...(extra.patterns ?? [])],
    custom: [...(base.custom ?? []), ...(extra.custom ?? [])],
  };
}

function isRule(name: string): name is BuiltinRuleName {
  return (BUILTIN_RULES as readonly string[]).includes(name);
}

/** Splits at commas not escaped by a backslash (`\,` stays in the part). */
function splitParts(text: string): string[] {
  return text.split(/(?<!\\),/);
}

/** A glob's `\,` back to `,`. */
function unescapeCommas(s: string): string {
  return s.replace(/\\,/g, ',');
}

function compiles(source: string): boolean {
  try {
    new RegExp(source, 'g');
    return true;
  } catch {
    return false;
  }
}
