import { describe, expect, it } from 'vitest';
import { parseTimeArg } from '../src/index';

const NOW = Date.UTC(2026, 4, 10, 12, 0, 0);

describe('parseTimeArg', () => {
  it('should read relative times back from now', () => {
    expect(parseTimeArg('-1h', NOW).getTime()).toBe(NOW - 3_600_000);
    expect(parseTimeArg('-30m', NOW).getTime()).toBe(NOW - 1_800_000);
    expect(parseTimeArg('-1d12h', NOW).getTime()).toBe(NOW - 36 * 3_600_000);
    expect(parseTimeArg('-1.5s', NOW).getTime()).toBe(NOW - 1500);
    expect(parseTimeArg('now', NOW).getTime()).toBe(NOW);
  });

  it('should read ISO-8601, taking a missing zone as UTC', () => {
    expect(parseTimeArg('2026-01-02').toISOString()).toBe('2026-01-02T00:00:00.000Z');
    expect(parseTimeArg('2026-01-02T03:04:05').toISOString()).toBe('2026-01-02T03:04:05.000Z');
    expect(parseTimeArg('2026-01-02T03:04:05.250Z').toISOString()).toBe('2026-01-02T03:04:05.250Z');
    expect(parseTimeArg('2026-01-02T03:04:05+02:00').toISOString()).toBe(
      '2026-01-02T01:04:05.000Z',
    );
    expect(parseTimeArg('2026-01-02 03:04').toISOString()).toBe('2026-01-02T03:04:00.000Z');
  });

  it('should reject anything else with the accepted forms in the message', () => {
    for (const bad of ['yesterday', '1h', '-1y', '2026-13-45', '']) {
      expect(() => parseTimeArg(bad, NOW)).toThrow(/ISO-8601.*relative/);
    }
  });
});
