import type { MeterProvider } from '@opentelemetry/api';

/**
 * The built-in rules:
 * - `secret-keys`: the value of an attribute or map key named like a secret (`password`,
 *   `*token*`, `authorization`, `set-cookie`, `api_key`, … — see `SECRET_KEY_GLOBS`);
 * - `private-key`: PEM private-key blocks;
 * - `bearer`: `Bearer <token>`;
 * - `jwt`: JSON Web Tokens;
 * - `aws-key`: AWS access key ids, and secret access keys where labelled;
 * - `card`: payment card numbers that pass the Luhn check;
 * - `email`: e-mail addresses (not on by default).
 */
export type BuiltinRuleName =
  | 'secret-keys'
  | 'private-key'
  | 'bearer'
  | 'jwt'
  | 'aws-key'
  | 'card'
  | 'email';

/** A value rule of the user's: each match of `pattern` in a string value is replaced. */
export interface ValuePatternRule {
  /** Names the rule in stats and metrics (`rule` attribute). */
  name: string;
  /**
   * Searched in every string value (made global if it is not). It runs on application data:
   * keep it linear (no nested quantifiers such as `(a+)+`), as the built-ins are.
   */
  pattern: RegExp;
  /** Default: the processor's `replacement`. A function gets the match and returns its text. */
  replacement?: string | ((match: string) => string);
}

/** A redaction function of the user's, run on every string value after the pattern rules. */
export interface CustomRedactionRule {
  /** Names the rule in stats and metrics; counted when `redact` returns a different string. */
  name: string;
  /**
   * Returns `value` unchanged, or its redacted form. `key` is the attribute or map key holding
   * the value (`undefined` for a string body or an array item). If it throws, the value is
   * replaced by the processor's `replacement` (fail closed) and counted under this rule and in
   * `errors`.
   */
  redact(value: string, key: string | undefined): string;
}

/** Options of `RedactingLogRecordProcessor` (`@spillway/node` reads their environment forms). */
export interface RedactingLogRecordProcessorOptions {
  /** Built-in rules on. Default `DEFAULT_RULES` (all but `email`); `[]` turns them off. */
  rules?: readonly BuiltinRuleName[];
  /** More keys whose values are replaced (case-insensitive globs), counted as rule `keys`. */
  keys?: readonly string[];
  /** Keys never replaced by a key rule (globs), beside the built-in `SECRET_KEY_EXCEPTIONS`. */
  keepKeys?: readonly string[];
  /** Attribute and map keys removed from records (globs), counted as rule `drop`. */
  dropKeys?: readonly string[];
  /** Value patterns of the user's, after the built-ins. */
  patterns?: readonly ValuePatternRule[];
  /** Functions of the user's, run on each string value after the patterns. */
  custom?: readonly CustomRedactionRule[];
  /**
   * With the `email` rule: replace each address by `[email:<8 hex>]`, the start of its
   * HMAC-SHA-256 under this key (of the address in lower case), so equal addresses stay joinable
   * without being readable. Without a key, addresses are replaced by `replacement`.
   */
  emailHashKey?: string | Uint8Array;
  /**
   * Longest body or string attribute value kept, in UTF-16 code units; a longer one is cut and
   * ends with `…[truncated <original length> chars]`. 0 = no limit. Default 65536.
   */
  maxValueChars?: number;
  /** What a redacted value or match becomes. Default `[REDACTED]`. */
  replacement?: string;
  /** Where `spillway.redaction.applied` (by `spillway.redaction.rule`) goes. Default: the global MeterProvider. */
  meterProvider?: MeterProvider;
}

/** What `getStats()` returns. */
export interface RedactionStats {
  /** Records seen by `onEmit`. */
  records: number;
  /** Records that had at least one value redacted, truncated or dropped. */
  changedRecords: number;
  /**
   * Values replaced or removed, by rule: the built-in names, `keys`, the names of `patterns` and
   * `custom` rules, `truncate`, `drop`, and for hostile values `cyclic`, `depth_limit`,
   * `unreadable`. A rule that never applied is listed with 0.
   */
  applied: Record<string, number>;
  /** Failures inside redaction (a custom rule threw, an unexpected error); each failed closed. */
  errors: number;
}
