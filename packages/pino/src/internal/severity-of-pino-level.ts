// pino level values → OTel severity numbers, the mapping @opentelemetry/instrumentation-pino
// uses, so records are classed (and sampled) alike whichever bridge built them: the six named
// levels map to TRACE … FATAL; any other value is placed on the range 10–70 among the numbered
// severities (TRACE2 … FATAL4), clamped at both ends.
const NAMED: Readonly<Record<number, number>> = { 10: 1, 20: 5, 30: 9, 40: 13, 50: 17, 60: 21 };

// The numbered severities, in order: every number 1–24 but the first of each class.
const NUMBERED: readonly number[] = Array.from({ length: 24 }, (_, i) => i + 1).filter(
  (n) => (n - 1) % 4 !== 0,
);

/**
 * The OTel severity number of a pino level value; undefined for a value that is not a number or
 * is NaN (the SDK then records it unspecified, and spillway classes it by its severity text).
 */
export function severityOfPinoLevel(level: unknown): number | undefined {
  if (typeof level !== 'number' || Number.isNaN(level)) return undefined;
  const named = NAMED[level];
  if (named !== undefined) return named;
  const index = Math.floor(((level - 10) / 60) * NUMBERED.length);
  return NUMBERED[Math.min(NUMBERED.length - 1, Math.max(0, index))];
}
