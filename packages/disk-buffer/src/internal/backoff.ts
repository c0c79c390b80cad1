import type { RetryOptions } from '../types';

/** Delay before retry number `attempt` (0-based): exponential, capped, with ± jitter. */
export function backoffMillis(
  attempt: number,
  o: Required<RetryOptions>,
  random: () => number = Math.random,
): number {
  const base = Math.min(o.maxMillis, o.initialMillis * o.multiplier ** Math.min(attempt, 64));
  return Math.max(1, Math.round(base * (1 + o.jitter * (2 * random() - 1))));
}
