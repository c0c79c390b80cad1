// Parsers for the sampling policy's value forms (class tables, the no-trace-context choice).
import type { NoTraceContextPolicy, SeverityClassName, SeverityRatios } from '@spillway/sampling';
import { invalid, isInvalid, type Parsed } from './value-parsers';

/** Severity class names as the variables spell them, highest first. */
export const CLASS_NAMES = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type ClassName = SeverityClassName;
/** A number per severity class (ratios, records/s): the sampling processor's own table type. */
export type ClassTable = SeverityRatios;

const CLASS_ALIASES: Record<string, ClassName> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  warning: 'warn',
  info: 'info',
  debug: 'debug',
  trace: 'trace',
};

/**
 * `class=number` pairs separated by commas (`warn=0.1,info=0.001`); each number must pass
 * `valid`. Classes: fatal, error, warn, info, debug, trace. Every entry must parse, or the whole
 * value is invalid (a half-applied table is harder to reason about than the default).
 */
function parseClassTable(
  text: string,
  form: string,
  valid: (n: number) => boolean,
): Parsed<ClassTable> {
  const table: ClassTable = {};
  const entries = text.split(',').map((e) => e.trim());
  if (entries.every((e) => e === '')) return invalid(form);
  for (const entry of entries) {
    if (entry === '') continue;
    const m = /^([a-z]+)\s*[=:]\s*(\d+(?:\.\d+)?(?:e-?\d+)?)$/i.exec(entry);
    // Own keys only: `constructor=1` must not find Object.prototype's.
    const name = m?.[1]?.toLowerCase();
    const cls =
      name !== undefined && Object.hasOwn(CLASS_ALIASES, name) ? CLASS_ALIASES[name] : undefined;
    if (!m || !cls) return invalid(form);
    const n = Number(m[2]);
    if (!Number.isFinite(n) || !valid(n) || cls in table) return invalid(form);
    table[cls] = n;
  }
  return table;
}

/**
 * `SPILLWAY_SAMPLING`: `fatal=1,error=1,warn=0.1,info=0.001` → ratios in [0, 1] per class (FATAL
 * must stay 1), or `all` → keep everything (every ratio 1; the caller also turns silencing and
 * rate limits off unless their own variables are set).
 */
export function parseRatios(text: string): Parsed<ClassTable | 'all'> {
  if (/^\s*all\s*$/i.test(text)) return 'all';
  const form =
    'all, or comma-separated class=ratio pairs with ratios from 0 to 1 (fatal is always 1), e.g. error=1,warn=0.1,info=0.001; classes fatal, error, warn, info, debug, trace';
  const t = parseClassTable(text, form, (n) => n >= 0 && n <= 1);
  if (!isInvalid(t) && t.fatal !== undefined && t.fatal !== 1) return invalid(form);
  return t;
}

/** `warn=1000,error=1000` → records/s per class (> 0); `none` or `off` → no limits. */
export function parseRateLimits(text: string): Parsed<ClassTable> {
  if (/^\s*(none|off)\s*$/i.test(text)) return {};
  const form =
    'comma-separated class=records-per-second pairs (numbers > 0), e.g. warn=1000,error=1000, or none; fatal is never limited';
  const t = parseClassTable(text, form, (n) => n > 0);
  if (!isInvalid(t) && t.fatal !== undefined) return invalid(form);
  return t;
}

/** What the sampler does with records that carry no trace context (the processor's own type). */
export type NoTraceContext = NoTraceContextPolicy;

/** `random`, `keep`, `drop` or `attr:<attribute key>`. */
export function parseNoTraceContext(text: string): Parsed<NoTraceContext> {
  const t = text.trim();
  if (t === 'random' || t === 'keep' || t === 'drop') return t;
  const m = /^attr:(\S+)$/.exec(t);
  if (m) return { attribute: m[1]! };
  return invalid('random, keep, drop or attr:<attribute key> (e.g. attr:session.id)');
}

/** One of the given words. */
export function parseChoice<T extends string>(text: string, choices: readonly T[]): Parsed<T> {
  const t = text.trim() as T;
  return choices.includes(t) ? t : invalid(`one of ${choices.join(', ')}`);
}
