/**
 * OpenTelemetry consistent probability sampling arithmetic (the spec's "TraceState: Probability
 * Sampling"): a sampling probability p maps to a rejection threshold T = (1 − p)·2^56, and an item
 * whose 56-bit randomness R satisfies R ≥ T is kept. T is written in tracestate and in the
 * `sampling.threshold` attribute as `th`: 14 hex digits with trailing zeros removed.
 *
 * These functions run when a policy is set, never per record: they use BigInt freely. The per-record
 * comparison lives in the processor and works on two plain numbers (high 24 / low 32 bits).
 */

/** 2^56: the threshold that rejects every item (probability 0). It has no `th` encoding. */
export const MAX_THRESHOLD = 1n << 56n;

/** Hex digits of a full threshold or randomness value (56 bits). */
const HEX_DIGITS = 14;

/** The default precision of {@link probabilityToThreshold}, in hex digits, as in the spec. */
export const DEFAULT_THRESHOLD_PRECISION = 4;

// frexp's exponent: x = m·2^e with 0.5 ≤ m < 1. Math.log2 can be off by one ulp near powers of
// two, so the estimate is corrected against exact power-of-two scaling.
function frexpExponent(x: number): number {
  let e = Math.floor(Math.log2(x)) + 1;
  while (x / 2 ** e >= 1) e++;
  while (x / 2 ** e < 0.5) e--;
  return e;
}

/**
 * The rejection threshold of sampling probability `p` (0 ≤ p ≤ 1), rounded to `precision` hex
 * digits as the OTel spec does: the precision grows by one digit per four leading zero bits of p
 * or of 1 − p, so small probabilities keep their significant digits (0.1 → `e666`, 0.001 →
 * `ffbe77`). p = 1 gives 0 (keep all); p = 0, or p below 2^-56, gives {@link MAX_THRESHOLD}.
 *
 * @throws RangeError when p is not a number in [0, 1] or precision is not an integer in 1–14.
 */
export function probabilityToThreshold(
  p: number,
  precision: number = DEFAULT_THRESHOLD_PRECISION,
): bigint {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
    throw new RangeError(`sampling probability must be a number in [0, 1], got ${String(p)}`);
  }
  if (!Number.isInteger(precision) || precision < 1 || precision > HEX_DIGITS) {
    throw new RangeError(`threshold precision must be an integer in 1–14, got ${precision}`);
  }
  if (p === 1) return 0n;
  if (p < 2 ** -56) return MAX_THRESHOLD;
  const extraP = Math.floor(-frexpExponent(p) / 4);
  const extraQ = Math.floor(-frexpExponent(1 - p) / 4);
  const digits = Math.min(HEX_DIGITS, precision + Math.max(extraP, extraQ));
  // p·2^56 is exact in binary floating point; above 2^53 it is already an integer.
  const scaled = BigInt(Math.round(p * 2 ** 56));
  let threshold = MAX_THRESHOLD - scaled;
  const shift = BigInt(4 * (HEX_DIGITS - digits));
  if (shift > 0n) {
    threshold = ((threshold + (1n << (shift - 1n))) >> shift) << shift;
  }
  return threshold > MAX_THRESHOLD ? MAX_THRESHOLD : threshold;
}

/**
 * The `th` encoding of a threshold: up to 14 lower-case hex digits, trailing zeros removed; `0` for
 * threshold 0 (keep all).
 *
 * @throws RangeError for thresholds outside [0, 2^56) — 2^56 (keep nothing) has no encoding.
 */
export function thresholdToHex(threshold: bigint): string {
  if (threshold < 0n || threshold >= MAX_THRESHOLD) {
    throw new RangeError(`threshold must be in [0, 2^56), got ${threshold}`);
  }
  if (threshold === 0n) return '0';
  return threshold.toString(16).padStart(HEX_DIGITS, '0').replace(/0+$/, '');
}

/**
 * Parses a `th` value (1–14 hex digits, implicitly padded with trailing zeros); `undefined` when it
 * is not one.
 */
export function parseThreshold(th: string): bigint | undefined {
  if (!/^[0-9a-f]{1,14}$/.test(th)) return undefined;
  return BigInt(`0x${th.padEnd(HEX_DIGITS, '0')}`);
}

/** The sampling probability a threshold stands for: (2^56 − T) / 2^56. */
export function thresholdToProbability(threshold: bigint): number {
  if (threshold < 0n || threshold > MAX_THRESHOLD) {
    throw new RangeError(`threshold must be in [0, 2^56], got ${threshold}`);
  }
  return Number(MAX_THRESHOLD - threshold) / 2 ** 56;
}

/**
 * The 56-bit randomness of a trace id: its low 56 bits (last 14 hex digits); `undefined` when the
 * id is not 32 hex digits.
 */
export function traceIdRandomness(traceId: string): bigint | undefined {
  if (!/^[0-9a-f]{32}$/i.test(traceId)) return undefined;
  return BigInt(`0x${traceId.slice(18)}`);
}

/** Whether an item with randomness `randomness` is kept at `threshold`: R ≥ T. */
export function isKept(randomness: bigint, threshold: bigint): boolean {
  return randomness >= threshold;
}
