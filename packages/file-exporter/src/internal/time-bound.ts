import type { TimeBound } from '../types';

/** A {@link TimeBound} as unix nanoseconds. */
export function toNanos(t: TimeBound | undefined): bigint | undefined {
  if (t === undefined) return undefined;
  if (typeof t === 'bigint') return t;
  const ms = typeof t === 'number' ? t : t.getTime();
  if (!Number.isFinite(ms)) throw new RangeError(`invalid time bound: ${String(t)}`);
  return BigInt(Math.round(ms * 1000)) * 1000n;
}
