import {
  isKept,
  MAX_THRESHOLD,
  parseThreshold,
  probabilityToThreshold,
  thresholdToHex,
  thresholdToProbability,
  traceIdRandomness,
} from '@spillway/sampling';
import { describe, expect, it } from 'vitest';
import { randomHex } from './helpers';

// The OTel spec's probability → `th` examples (TraceState: Probability Sampling), precision 4.
const SPEC_VECTORS: [number, string][] = [
  [0.5, '8'],
  [0.25, 'c'],
  [0.1, 'e666'],
  [1 / 3, 'aaab'],
  [0.2, 'cccd'],
  [0.01, 'fd70a'],
  [0.001, 'ffbe77'],
  [0.0001, 'fff9724'],
];

describe('probabilityToThreshold', () => {
  it.each(SPEC_VECTORS)('should encode p=%d as th=%s (spec vector)', (p, th) => {
    expect(thresholdToHex(probabilityToThreshold(p))).toBe(th);
  });

  it('should give 0 (keep all) for p=1 and 2^56 (keep none) for p=0 and p below 2^-56', () => {
    expect(probabilityToThreshold(1)).toBe(0n);
    expect(thresholdToHex(0n)).toBe('0');
    expect(probabilityToThreshold(0)).toBe(MAX_THRESHOLD);
    expect(probabilityToThreshold(2 ** -60)).toBe(MAX_THRESHOLD);
  });

  it('should round to more digits when asked for more precision', () => {
    expect(thresholdToHex(probabilityToThreshold(0.1, 14))).toBe('e6666666666666');
    expect(thresholdToHex(probabilityToThreshold(0.1, 1))).toBe('e');
  });

  it('should be monotonic: a higher probability never has a higher threshold', () => {
    let prev = MAX_THRESHOLD;
    for (let i = 1; i <= 10_000; i++) {
      const t = probabilityToThreshold(i / 10_000);
      expect(t <= prev).toBe(true);
      prev = t;
    }
  });

  it('should keep within 1/16^4 of the requested probability', () => {
    for (const p of [0.9, 0.75, 0.3, 0.05, 0.003, 1e-5, 1e-9]) {
      const q = thresholdToProbability(probabilityToThreshold(p));
      expect(Math.abs(q - p) / p).toBeLessThan(1 / 4096);
    }
  });

  it('should reject probabilities outside [0, 1] and bad precisions', () => {
    expect(() => probabilityToThreshold(1.5)).toThrow(RangeError);
    expect(() => probabilityToThreshold(-0.1)).toThrow(RangeError);
    expect(() => probabilityToThreshold(Number.NaN)).toThrow(RangeError);
    expect(() => probabilityToThreshold(0.5, 0)).toThrow(RangeError);
    expect(() => probabilityToThreshold(0.5, 15)).toThrow(RangeError);
  });
});

describe('thresholdToHex', () => {
  it('should round-trip through parseThreshold', () => {
    for (const [p] of SPEC_VECTORS) {
      const t = probabilityToThreshold(p);
      expect(parseThreshold(thresholdToHex(t))).toBe(t);
    }
    expect(parseThreshold('0')).toBe(0n);
    expect(parseThreshold('g')).toBeUndefined();
    expect(parseThreshold('123456789012345')).toBeUndefined();
  });

  it('should refuse 2^56, which has no encoding', () => {
    expect(() => thresholdToHex(MAX_THRESHOLD)).toThrow(RangeError);
  });
});

describe('traceIdRandomness', () => {
  it('should take the low 56 bits of the trace id', () => {
    expect(traceIdRandomness('0123456789abcdef0123456789abcdef')).toBe(0x23456789abcdefn);
    expect(traceIdRandomness('not-a-trace-id')).toBeUndefined();
  });
});

describe('isKept', () => {
  it('should nest: a trace kept at p is kept at every p′ > p (10^5 random traces)', () => {
    const ps = [0.0001, 0.001, 0.01, 0.1, 0.2, 1 / 3, 0.5, 0.9, 1];
    const ts = ps.map((p) => probabilityToThreshold(p));
    let violations = 0;
    for (let i = 0; i < 100_000; i++) {
      const r = traceIdRandomness(randomHex(16))!;
      let keptBefore = false;
      for (const t of ts) {
        const kept = isKept(r, t);
        if (keptBefore && !kept) violations++;
        keptBefore = kept;
      }
      if (!keptBefore) violations++;
    }
    expect(violations).toBe(0);
  });
});
