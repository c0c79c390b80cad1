import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isInvalid,
  MAX_DURATION_MILLIS,
  parseDirectory,
  parseDuration,
  parseFsync,
  parseInteger,
  parseSize,
} from '../src/index';

// Any text a user (or a templating accident) can put in a variable: arbitrary unicode, and
// near-misses of the accepted forms (numbers with units, signs, exponents, huge digit runs).
const numberish = fc
  .tuple(
    fc.constantFrom('', '-', '+', ' '),
    fc.oneof(fc.nat().map(String), fc.double().map(String), fc.stringMatching(/^\d{1,40}$/)),
    fc.constantFrom('', '.5', 'e9', 'e400', '.'),
    fc.constantFrom('', ' ', 'B', 'KiB', 'mib', 'GiB', 'TB', 'ms', 's', 'm', 'h', 'd', 'x'),
  )
  .map((parts) => parts.join(''));
const text = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 40 }), numberish);
const RUNS = { numRuns: 2000 };

function isSafeNonNegative(v: number): boolean {
  return Number.isSafeInteger(v) && v >= 0;
}

describe('config value parsers (property)', () => {
  it('parseSize: a safe integer ≥ min, or Invalid naming the form; never throws', () => {
    fc.assert(
      fc.property(text, fc.constantFrom(0, 1, 2 ** 20, 16 * 2 ** 20), (t, min) => {
        const v = parseSize(t, min);
        if (isInvalid(v)) expect(v.expected).toMatch(/512MiB/);
        else expect(isSafeNonNegative(v) && v >= min).toBe(true);
      }),
      RUNS,
    );
  });

  it('parseDuration: an integer in [0, 2^31−1] ms, or Invalid; never throws', () => {
    fc.assert(
      fc.property(text, (t) => {
        const v = parseDuration(t);
        if (isInvalid(v)) expect(v.expected).toMatch(/milliseconds/);
        else expect(isSafeNonNegative(v) && v <= MAX_DURATION_MILLIS).toBe(true);
      }),
      RUNS,
    );
  });

  it('parseFsync: always, never, a positive timer-safe interval, or Invalid', () => {
    const fsyncText = fc.oneof(
      text,
      text.map((t) => `interval:${t}`),
    );
    fc.assert(
      fc.property(fsyncText, (t) => {
        const v = parseFsync(t);
        if (isInvalid(v)) return;
        if (typeof v === 'string') expect(['always', 'never']).toContain(v);
        else expect(v.intervalMillis > 0 && v.intervalMillis <= MAX_DURATION_MILLIS).toBe(true);
      }),
      RUNS,
    );
  });

  it('parseInteger: a safe integer ≥ min, or Invalid', () => {
    fc.assert(
      fc.property(text, fc.constantFrom(0, 1), (t, min) => {
        const v = parseInteger(t, min);
        if (!isInvalid(v)) expect(Number.isSafeInteger(v) && v >= min).toBe(true);
      }),
      RUNS,
    );
  });

  it('parseDirectory: an absolute path outside /proc and /sys, or Invalid', () => {
    const pathText = fc.oneof(
      text,
      text.map((t) => `/${t}`),
      text.map((t) => `/proc/${t}`),
    );
    fc.assert(
      fc.property(pathText, (t) => {
        const v = parseDirectory(t);
        if (isInvalid(v)) return;
        expect(v.startsWith('/')).toBe(true);
        expect(/^\/(proc|sys)(\/|$)/.test(v)).toBe(false);
      }),
      RUNS,
    );
  });
});
