/** How a retry delay grows: the one backoff rule of every spillway stage that retries. */
export interface BackoffOptions {
  /** The first delay (attempt 0), ms. */
  initialMillis: number;
  /** The longest delay, ms. */
  maxMillis: number;
  /** Growth per failed attempt. */
  multiplier: number;
  /**
   * ± share of each delay randomised, 0–1: spreads many processes retrying one collector (the
   * disk buffer's sender); 0 where there is one retrier per target (the router's circuit).
   */
  jitter: number;
}

/**
 * The delay before retry number `attempt` (0-based): `initialMillis × multiplier^attempt`, capped
 * at `maxMillis`, then spread by ± `jitter`, rounded, at least 1 ms. The exponent is bounded, so
 * any attempt count gives a finite delay. Used by the disk buffer's sender (jittered) and the
 * router's circuit breaker (its probe delay, no jitter).
 */
export function backoffMillis(
  attempt: number,
  o: BackoffOptions,
  random: () => number = Math.random,
): number {
  const base = Math.min(o.maxMillis, o.initialMillis * o.multiplier ** Math.min(attempt, 64));
  const spread = o.jitter === 0 ? base : base * (1 + o.jitter * (2 * random() - 1));
  return Math.max(1, Math.round(spread));
}
