import { describe, expect, it } from 'vitest';
import { backoffMillis } from '../src/backoff';

const retry = { initialMillis: 100, maxMillis: 5_000, multiplier: 2, jitter: 0.2 };

describe('backoffMillis', () => {
  it('should grow exponentially from initialMillis and stop at maxMillis', () => {
    const mid = () => 0.5; // no jitter
    expect([0, 1, 2, 3, 4, 5, 6, 100].map((a) => backoffMillis(a, retry, mid))).toEqual([
      100, 200, 400, 800, 1600, 3200, 5000, 5000,
    ]);
  });

  it('should spread each delay by ± jitter', () => {
    expect(backoffMillis(0, retry, () => 0)).toBe(80);
    expect(backoffMillis(0, retry, () => 0.999_999)).toBe(120);
    expect(backoffMillis(100, retry, () => 0)).toBe(4000);
  });

  it('should give the same delay every time without jitter, never reading the random source', () => {
    const none = { ...retry, jitter: 0 };
    const random = () => {
      throw new Error('read');
    };
    expect([0, 1, 2, 10].map((a) => backoffMillis(a, none, random))).toEqual([100, 200, 400, 5000]);
  });
});
