import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSamplingPolicyFile } from '../src/parse-sampling-policy-file';
import { parseRateLimits, parseRatios } from '../src/sampling-values';
import { isInvalid } from '../src/value-parsers';

const CLASSES = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];
const number = fc.oneof(
  fc.double(),
  fc.constantFrom('1e400', '-0', 'NaN', 'Infinity', '0.5', '1', '0', '200'),
);
// `class=number` lists with near-miss classes, separators and numbers, plus arbitrary text.
const table = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc
    .array(
      fc.tuple(
        fc.constantFrom(...CLASSES, 'warning', 'verbose', 'INFO', ''),
        fc.constantFrom('=', ':', ' = '),
        number,
      ),
      { maxLength: 7 },
    )
    .map((entries) => entries.map(([c, s, n]) => `${c}${s}${n}`).join(',')),
  fc.constantFrom('all', ' ALL ', 'none', 'off'),
);

function checkTable(t: Record<string, number>, valid: (n: number) => boolean): void {
  for (const [cls, n] of Object.entries(t)) {
    expect(CLASSES).toContain(cls);
    expect(Number.isFinite(n) && valid(n)).toBe(true);
  }
}

describe('sampling value parsers (property)', () => {
  it('parseRatios: all, or finite ratios in [0, 1] with FATAL 1, or Invalid; never throws', () => {
    fc.assert(
      fc.property(table, (text) => {
        const v = parseRatios(text);
        if (isInvalid(v) || v === 'all') return;
        checkTable(v, (n) => n >= 0 && n <= 1);
        if (v.fatal !== undefined) expect(v.fatal).toBe(1);
      }),
      { numRuns: 3000 },
    );
  });

  it('parseRateLimits: finite positive limits without FATAL, or Invalid; never throws', () => {
    fc.assert(
      fc.property(table, (text) => {
        const v = parseRateLimits(text);
        if (isInvalid(v)) return;
        checkTable(v, (n) => n > 0);
        expect(v.fatal).toBeUndefined();
      }),
      { numRuns: 3000 },
    );
  });

  it('parseSamplingPolicyFile: a policy of finite, in-range values, or an error; never throws', () => {
    const value = fc.oneof(
      fc.jsonValue(),
      fc.dictionary(fc.constantFrom(...CLASSES, 'x'), fc.oneof(fc.double(), fc.jsonValue())),
    );
    const doc = fc.oneof(
      fc.json(),
      fc
        .dictionary(
          fc.constantFrom('ratios', 'rateLimits', 'traceSilenceAfter', 'noTraceContext', 'x'),
          value,
        )
        .map((d) => JSON.stringify(d).replace(/null/g, '1e400')),
    );
    fc.assert(
      fc.property(doc, (text) => {
        const p = parseSamplingPolicyFile(text);
        if ('error' in p) {
          expect(typeof p.error).toBe('string');
          return;
        }
        if (p.ratios) checkTable(p.ratios, (n) => n >= 0 && n <= 1);
        if (p.rateLimits) checkTable(p.rateLimits, (n) => n >= 0);
        if (typeof p.noTraceContext === 'object') {
          expect(p.noTraceContext.attribute).toMatch(/^\S+$/);
        }
        if (p.traceSilenceAfter !== undefined) {
          expect(Number.isSafeInteger(p.traceSilenceAfter) && p.traceSilenceAfter >= 0).toBe(true);
        }
      }),
      { numRuns: 600 },
    );
  });
});
