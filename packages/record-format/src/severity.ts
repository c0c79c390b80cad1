/**
 * Severity classes over OTel SeverityNumber ranges: TRACE 1–4, DEBUG 5–8, INFO 9–12, WARN 13–16,
 * ERROR 17–20, FATAL 21–24. Numbers are compared, never the enum type: the 2.x and 3.x OTel lines
 * export distinct enum types.
 */
export const SEVERITY_CLASSES = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

/** One of {@link SEVERITY_CLASSES}. */
export type SeverityClassName = (typeof SEVERITY_CLASSES)[number];

/** Class indexes, ordered so that a larger index is more severe. */
export const SeverityClass = {
  TRACE: 0,
  DEBUG: 1,
  INFO: 2,
  WARN: 3,
  ERROR: 4,
  FATAL: 5,
} as const;

/** A class index: 0 (trace) … 5 (fatal). */
export type SeverityClassIndex = (typeof SeverityClass)[keyof typeof SeverityClass];

/** How many classes there are: the length of every per-class counter array. */
export const SEVERITY_CLASS_COUNT = SEVERITY_CLASSES.length;

/**
 * The class of a severity number that is an integer 1–24, else -1 (0 = unspecified, and anything
 * else, is classed by {@link severityClassOf} from the record's severityText). Never throws.
 */
export function classOfSeverityNumber(severityNumber: unknown): number {
  const n = severityNumber;
  return typeof n === 'number' && n >= 1 && n <= 24 && Math.floor(n) === n ? (n - 1) >> 2 : -1;
}

// Lower-cased level names seen in real logs (syslog, log4j, Android, Windows, pino) → class.
const TEXT_CLASSES: Record<string, SeverityClassIndex> = {
  trace: 0,
  finest: 0,
  finer: 0,
  v: 0,
  verbose: 0,
  debug: 1,
  fine: 1,
  d: 1,
  info: 2,
  information: 2,
  notice: 2,
  i: 2,
  warn: 3,
  warning: 3,
  w: 3,
  error: 4,
  err: 4,
  severe: 4,
  e: 4,
  critical: 4,
  crit: 4,
  fatal: 5,
  alert: 5,
  emerg: 5,
  emergency: 5,
  panic: 5,
  f: 5,
};

// Own keys only: `constructor` or `__proto__` name no level.
function textClass(text: string): SeverityClassIndex | undefined {
  const key = text.toLowerCase();
  return Object.hasOwn(TEXT_CLASSES, key) ? TEXT_CLASSES[key] : undefined;
}

/**
 * The class of a record. Severity numbers other than the integers 1–24 (0 = unspecified) are
 * classed from `severityText` when it is a string naming a level, else INFO: the class the
 * record keeps once normalised (normalize-log-record.ts), whatever the fields hold. Never throws.
 */
export function severityClassOf(
  severityNumber?: number,
  severityText?: string,
): SeverityClassIndex {
  const c = classOfSeverityNumber(severityNumber);
  if (c >= 0) return c as SeverityClassIndex;
  if (typeof severityText === 'string') {
    const c = textClass(severityText);
    if (c !== undefined) return c;
  }
  return SeverityClass.INFO;
}

/** The lowest severity number of a class index (TRACE → 1, … FATAL → 21). */
export function severityNumberOfClass(cls: SeverityClassIndex): number {
  return cls * 4 + 1;
}

/** The name of a class index. */
export function severityClassName(cls: number): SeverityClassName {
  return SEVERITY_CLASSES[cls] ?? 'info';
}

/**
 * Parses a user-given severity (`warn`, `WARNING`, `error`, `13`) into the lowest severity
 * number of that level; `undefined` when it names no level.
 */
export function parseSeverity(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) {
    const n = Number(trimmed);
    return n >= 0 && n <= 24 ? n : undefined;
  }
  const c = textClass(trimmed);
  return c === undefined ? undefined : severityNumberOfClass(c);
}

const SHORT_NAMES = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];

/** The OTel short name of a severity number: 9 → `INFO`, 10 → `INFO2`, 0 → `UNSPECIFIED`. */
export function severityNumberName(severityNumber: number): string {
  if (!(severityNumber >= 1 && severityNumber <= 24)) return 'UNSPECIFIED';
  const base = SHORT_NAMES[(severityNumber - 1) >> 2]!;
  const step = ((severityNumber - 1) & 3) + 1;
  return step === 1 ? base : `${base}${step}`;
}
