import { CARD_CANDIDATE, gluedAt, replaceCardNumber } from './luhn';
import type { BuiltinRuleName } from './types';

/**
 * The built-in rules: what each one catches, chosen for few false positives. Every pattern here is
 * linear in the text it scans (no nested or overlapping quantifiers that can backtrack without
 * bound; starts anchored by a lookbehind so a long run is scanned from its first character only),
 * which test/value-patterns.test.ts measures on 1 MiB adversarial strings.
 */

/** Every built-in rule, in the order they are applied. */
export const BUILTIN_RULES: readonly BuiltinRuleName[] = Object.freeze([
  'secret-keys',
  'private-key',
  'bearer',
  'jwt',
  'aws-key',
  'card',
  'email',
]);

/** The built-in rules on by default: all but `email` (addresses are often wanted in logs). */
export const DEFAULT_RULES: readonly BuiltinRuleName[] = Object.freeze(
  BUILTIN_RULES.filter((r) => r !== 'email'),
);

/**
 * Attribute and map keys whose values the `secret-keys` rule replaces (case-insensitive globs).
 * Suffix forms (`*authorization`, `*cookie`) catch the semantic-convention header attributes
 * (`http.request.header.authorization`, `http.response.header.set-cookie`).
 */
export const SECRET_KEY_GLOBS: readonly string[] = Object.freeze([
  '*password*',
  '*passwd*',
  'pwd',
  '*secret*',
  '*token*',
  '*authorization',
  '*cookie',
  '*cookies',
  '*api_key*',
  '*apikey*',
  '*api-key*',
  '*private_key*',
  '*private-key*',
  '*privatekey*',
  '*credential*',
]);

/**
 * Keys `*token*` would catch that hold counts, not secrets: `gen_ai.usage.input_tokens`,
 * `max_tokens`, `token_count`.
 */
export const SECRET_KEY_EXCEPTIONS: readonly string[] = Object.freeze(['*_tokens', '*token_count']);

/** One value rule: `pattern` (global) found in a string, each match rewritten by `replace`. */
export interface CompiledValueRule {
  name: string;
  pattern: RegExp;
  /**
   * Regular-expression source of literals one of which every match contains (`eyJ`, `AKIA`…).
   * The triggers of all rules in use are joined into one alternation, tested once per string:
   * most log text matches none, and then only the rules without a trigger run.
   */
  trigger?: string;
  /** A cheap test that must pass before `pattern` runs (after the trigger, if any). */
  mayMatch: (s: string) => boolean;
  /** The shortest text a match can be: shorter strings (most attribute values) skip the rule. */
  minLength: number;
  /**
   * The text for one match (`groups` = capture groups; `end` = the index after the match in
   * `input`), or `undefined` to leave it.
   */
  replace: (
    match: string,
    groups: string[],
    replacement: string,
    end: number,
    input: string,
  ) => string | undefined;
}

const whole = (_m: string, _g: string[], r: string) => r;
const always = () => true;

/**
 * `Bearer <token>`, any common casing; the token ≥ 12 characters of the RFC 6750 token68 set, so
 * prose ("bearer of bad news") stays. The scheme word is kept: `Bearer [REDACTED]`.
 */
const bearer: CompiledValueRule = {
  name: 'bearer',
  pattern: /\b((?:[Bb]earer|BEARER)[ \t]+)[A-Za-z0-9\-._~+/]{12,}=*/g,
  trigger: '[Bb]earer|BEARER',
  minLength: 19,
  mayMatch: (s) => s.includes('earer') || s.includes('EARER'),
  replace: (_m, g, r) => g[0] + r,
};

/** A JWT / JWS compact form: three base64url parts, the header starting `eyJ` (`{"`). */
const jwt: CompiledValueRule = {
  name: 'jwt',
  pattern: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g,
  trigger: 'eyJ',
  minLength: 10,
  mayMatch: (s) => s.includes('eyJ'),
  replace: whole,
};

/**
 * AWS access key ids (`AKIA`/`ASIA` + 16 upper-case letters or digits) anywhere, and secret
 * access keys (40 base64 characters) where a label names them (`aws_secret_access_key=…`,
 * `"SecretAccessKey": "…"`): an unlabelled 40-character string is too common to redact.
 */
const awsKey: CompiledValueRule = {
  name: 'aws-key',
  pattern:
    /(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])|((?:aws)?[_-]?secret[_-]?access[_-]?key["']?[ \t]{0,8}[:=][ \t]{0,8}["']?)[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])/gi,
  trigger: 'AKIA|ASIA|[Aa][Cc][Cc][Ee][Ss][Ss]',
  minLength: 20,
  mayMatch: (s) =>
    s.includes('AKIA') || s.includes('ASIA') || (s.length >= 50 && /access.?key/i.test(s)),
  replace: (m, g, r) => {
    if (g[0] !== undefined) return g[0] + r;
    // The `i` flag is for the label only: an access key id is upper case.
    return /^A(?:KIA|SIA)[A-Z0-9]{16}$/.test(m) ? r : undefined;
  },
};

/**
 * A PEM private-key block (`-----BEGIN [RSA |EC |OPENSSH |ENCRYPTED ]PRIVATE KEY-----`) through
 * its END line; without an END line, to the end of the text (a cut block is still a secret). The
 * body is `[^-]*(?:-(?!----END)[^-]*)*`: every repetition starts with the one `-` the run before it
 * cannot hold, so there is exactly one way to match and nothing to backtrack.
 */
const privateKey: CompiledValueRule = {
  name: 'private-key',
  pattern:
    /-----BEGIN[ A-Z0-9]{0,40}PRIVATE KEY-----[^-]*(?:-(?!----END)[^-]*)*(?:-----END[ A-Z0-9]{0,40}PRIVATE KEY-----)?/g,
  trigger: 'PRIVATE KEY-----',
  minLength: 32,
  mayMatch: (s) => s.includes('PRIVATE KEY-----'),
  replace: whole,
};

/** Payment card numbers, Luhn-checked (see luhn.ts). */
const card: CompiledValueRule = {
  name: 'card',
  pattern: CARD_CANDIDATE,
  mayMatch: always,
  minLength: 13,
  replace: (m, _g, r, end, input) => replaceCardNumber(m, r, gluedAt(input, end)),
};

/**
 * E-mail addresses (`local@domain.tld`, the common ASCII form). The local part starts after a
 * character it cannot contain (so a long run is tried once) and is at most 64 characters (RFC 5321).
 */
const email: CompiledValueRule = {
  name: 'email',
  pattern:
    /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}(?![A-Za-z0-9-])/g,
  trigger: '@',
  mayMatch: always,
  minLength: 6,
  replace: whole,
};

/** The value rule of each built-in that has one (`secret-keys` works on keys). */
export const BUILTIN_VALUE_RULES: Readonly<Record<string, CompiledValueRule>> = Object.freeze({
  bearer,
  jwt,
  'aws-key': awsKey,
  'private-key': privateKey,
  card,
  email,
});
