/**
 * Node's `setTimeout` ceiling, 2^31 − 1 ms (about 24.8 days): a longer delay, or `Infinity`, makes
 * Node fire after 1 ms instead. The one bound every spillway timer and duration option uses.
 */
export const MAX_TIMER_MILLIS = 2 ** 31 - 1;

/** `ms` as a delay `setTimeout` honours: below 0 (or NaN) is 0, past the ceiling is the ceiling. */
export function timerDelay(ms: number): number {
  return ms > 0 ? Math.min(ms, MAX_TIMER_MILLIS) : 0;
}
