/*
 * The one rule `maxRecordAgeMillis` is applied by, for the sender's filter of decoded records and
 * for the scan of stored frames (payload-scan.ts), which must agree record for record.
 */

/** A record time (`hrTime` seconds and nanoseconds) as ms since the epoch. */
export function timeMs(seconds: number, nanos: number): number {
  return seconds * 1000 + nanos / 1e6;
}

/**
 * The earlier of `oldest` and `ms`; -Infinity once a time is not a number (NaN compares false to
 * everything, so only the exact filter can tell which records it keeps).
 */
export function earlier(oldest: number, ms: number): number {
  if (ms >= oldest) return oldest;
  return Number.isNaN(ms) ? Number.NEGATIVE_INFINITY : ms;
}
