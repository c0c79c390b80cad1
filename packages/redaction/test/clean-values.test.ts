import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CleanValues, LIMIT, MAX_CHARS } from '../src/internal/clean-values';
import {
  fakeAwsAccessKeyId,
  fakeCardNumber,
  fakeJwt,
  grouped,
  nonLuhnNumber,
} from './fake-secrets';
import { setup } from './helpers';

// A pool of attribute values that repeat across records, as a service's do: clean text, secrets
// the value rules replace, text that triggers a rule without being a secret, long values.
const pool = [
  'GET /api/orders/:id',
  'api.middleware.access-log',
  `token ${fakeJwt()} sent`,
  `card ${grouped(fakeCardNumber('4', 16), ' ')} on file`,
  `order ${nonLuhnNumber(16)} shipped`,
  `Bearer ${'a'.repeat(24)}`,
  `key ${fakeAwsAccessKeyId()} used`,
  'x'.repeat(MAX_CHARS + 40),
  `${'y'.repeat(MAX_CHARS)} ${fakeJwt()}`,
  'short',
  'eyJ but no token here at all',
];

describe('remembered clean values', () => {
  it('give the output and counts of redacting each record on its own', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.nat(pool.length - 1), { minLength: 1, maxLength: 4 }), {
          minLength: 1,
          maxLength: 30,
        }),
        (records) => {
          const shared = setup();
          const expectedCounts: Record<string, number> = {};
          for (const picks of records) {
            const attributes = Object.fromEntries(picks.map((p, i) => [`a${i}`, pool[p]]));
            const nested = { inner: pool[picks[0]!], list: picks.map((p) => pool[p]) };
            const got = shared.emit({ attributes: { ...attributes, nested } });
            // A processor that has seen nothing before: no value remembered.
            const fresh = setup();
            const want = fresh.emit({ attributes: { ...attributes, nested } });
            expect(got.attributes).toEqual(want.attributes);
            for (const [rule, n] of Object.entries(fresh.redacting.getStats().applied)) {
              expectedCounts[rule] = (expectedCounts[rule] ?? 0) + n;
            }
          }
          const counts = Object.fromEntries(
            Object.entries(shared.redacting.getStats().applied).filter(([, n]) => n > 0),
          );
          expect(counts).toEqual(
            Object.fromEntries(Object.entries(expectedCounts).filter(([, n]) => n > 0)),
          );
        },
      ),
      { numRuns: 60 },
    );
  });

  it('still redact a secret seen many times, and count each', () => {
    const { emit, redacting } = setup();
    const jwt = fakeJwt();
    for (let i = 0; i < 50; i++) {
      const r = emit({ attributes: { route: 'GET /health', t: `sent ${jwt}` } });
      expect(r.attributes.t).toBe('sent [REDACTED]');
      expect(r.attributes.route).toBe('GET /health');
    }
    expect(redacting.getStats().applied.jwt).toBe(50);
  });

  it('leave the custom rules to run for every value, under every key', () => {
    const { emit, redacting } = setup({
      custom: [{ name: 'under-note', redact: (v, key) => (key === 'note' ? 'hidden' : v) }],
    });
    for (let i = 0; i < 20; i++) {
      const r = emit({ attributes: { route: 'GET /api/orders/:id', note: 'GET /api/orders/:id' } });
      expect(r.attributes).toEqual({ route: 'GET /api/orders/:id', note: 'hidden' });
    }
    expect(redacting.getStats().applied['under-note']).toBe(20);
  });
});

describe('CleanValues', () => {
  it('is bounded: never more than LIMIT values, never a value over MAX_CHARS', () => {
    const clean = new CleanValues();
    for (let i = 0; i < LIMIT * 2 + 7; i++) clean.add(`value number ${i}`);
    expect(clean.size).toBeGreaterThan(0);
    expect(clean.size).toBeLessThanOrEqual(LIMIT);
    expect(clean.has(`value number ${LIMIT * 2 + 6}`)).toBe(true);
    const long = 'z'.repeat(MAX_CHARS + 1);
    clean.add(long);
    expect(clean.has(long)).toBe(false);
  });

  it('matches by content, lone surrogates included', () => {
    const clean = new CleanValues();
    const value = `lone \ud800 surrogate ${'q'.repeat(20)}`;
    clean.add(value.slice(0));
    expect(clean.has(`lone \ud800 surrogate ${'q'.repeat(20)}`)).toBe(true);
    expect(clean.has(`lone \udc00 surrogate ${'q'.repeat(20)}`)).toBe(false);
  });
});
