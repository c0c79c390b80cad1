import { afterEach, describe, expect, it, vi } from 'vitest';
import { longMode, scaled, testModeBanner } from '../src/index';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('scaled', () => {
  it('should give the short count by default and the long one with SPILLWAY_LONG=1', () => {
    vi.stubEnv('SPILLWAY_LONG', '');
    expect(scaled(12, 50)).toBe(12);
    vi.stubEnv('SPILLWAY_LONG', '0');
    expect(scaled(12, 50)).toBe(12);
    expect(longMode()).toBe(false);
    expect(testModeBanner()).toMatch(/^spillway tests: short mode/);
    vi.stubEnv('SPILLWAY_LONG', '1');
    expect(scaled(12, 50)).toBe(50);
    expect(longMode()).toBe(true);
    expect(testModeBanner()).toMatch(/^spillway tests: long mode \(SPILLWAY_LONG=1\)/);
  });

  it("should let the test's own count variable win over both modes", () => {
    vi.stubEnv('SPILLWAY_TEST_MODE_COUNT', '500');
    vi.stubEnv('SPILLWAY_LONG', '');
    expect(scaled(12, 50, 'SPILLWAY_TEST_MODE_COUNT')).toBe(500);
    vi.stubEnv('SPILLWAY_LONG', '1');
    expect(scaled(12, 50, 'SPILLWAY_TEST_MODE_COUNT')).toBe(500);
    vi.stubEnv('SPILLWAY_TEST_MODE_COUNT', '');
    expect(scaled(12, 50, 'SPILLWAY_TEST_MODE_COUNT')).toBe(50);
  });

  it('should refuse a value it cannot read instead of running the wrong count', () => {
    vi.stubEnv('SPILLWAY_LONG', 'true');
    expect(() => scaled(12, 50)).toThrow(
      'SPILLWAY_LONG="true": expected 1 (long mode) or 0 (short)',
    );
    vi.stubEnv('SPILLWAY_LONG', '');
    for (const bad of ['0', '-3', '2.5', '1e3x', 'many']) {
      vi.stubEnv('SPILLWAY_TEST_MODE_COUNT', bad);
      expect(() => scaled(12, 50, 'SPILLWAY_TEST_MODE_COUNT')).toThrow(
        `SPILLWAY_TEST_MODE_COUNT=${JSON.stringify(bad)}: expected a positive integer`,
      );
    }
  });
});
