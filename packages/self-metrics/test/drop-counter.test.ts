import { describe, expect, it } from 'vitest';
import { DropCounter, lastErrorOf, UNKNOWN_CLASS } from '../src/index';

describe('DropCounter', () => {
  it('should count records by reason and severity class, with totals', () => {
    const drops = new DropCounter(['disk_full', 'corrupt'] as const);
    drops.addRecords('disk_full', [
      { severityNumber: 9 },
      { severityNumber: 17 },
      { severityNumber: 18 },
      { severityText: 'WARN' },
      {},
    ]);
    drops.add('corrupt', UNKNOWN_CLASS, 4);
    drops.addCounts('corrupt', [1, 0, 0, 0, 0, 2]);
    expect(drops.snapshot()).toEqual({
      disk_full: { trace: 0, debug: 0, info: 2, warn: 1, error: 2, fatal: 0, unknown: 0, total: 5 },
      corrupt: { trace: 1, debug: 0, info: 0, warn: 0, error: 0, fatal: 2, unknown: 4, total: 7 },
    });
  });

  it('should refuse a reason it was not made with', () => {
    const drops = new DropCounter(['shutdown'] as const);
    expect(() => drops.add('io_error' as 'shutdown', 0)).toThrow(/unknown reason io_error/);
  });
});

describe('lastErrorOf', () => {
  it('should give { message, at } for an Error and for anything else', () => {
    expect(lastErrorOf(new RangeError('bad'), 5)).toEqual({ message: 'RangeError: bad', at: 5 });
    expect(lastErrorOf('plain', 6)).toEqual({ message: 'plain', at: 6 });
  });
});
