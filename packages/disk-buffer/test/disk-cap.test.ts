import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Counters } from '../src/internal/counters';
import { DiskCap } from '../src/internal/disk-cap';
import { DiskSpace } from '../src/internal/disk-space';
import { FileDeleter } from '../src/internal/file-deleter';
import { FileHolds } from '../src/internal/file-holds';
import { Ledger, type LedgerEntry } from '../src/internal/ledger';
import { emptyCounts, type SeverityCounts } from '../src/internal/severity-counts';
import type { WhenFull } from '../src/types';
import { removeTempDirs, tempDir } from './helpers/records';

afterEach(removeTempDirs);

const HEADER = 32;
const INFO = 2;
const ERROR = 4;

function counts(at: number, n: number): SeverityCounts {
  const c = emptyCounts();
  c[at] = n;
  return c;
}

function setup(whenFull: WhenFull, maxDiskBytes: number) {
  const dir = tempDir('spillway-cap-');
  const ledger = new Ledger();
  const counters = new Counters();
  const space = new DiskSpace(dir);
  const holds = new FileHolds(
    () => space.refreshSync(),
    () => {},
  );
  const files = new FileDeleter(ledger, holds, () => space.refreshSync());
  const evictedSeqs: number[] = [];
  const writer = { activeSeq: undefined as number | undefined, retired: 0 };
  const cap = new DiskCap({
    ledger,
    counters,
    space,
    files,
    maxDiskBytes,
    minFreeBytes: 0,
    whenFull,
    writer: {
      get activeSeq() {
        return writer.activeSeq;
      },
      retireActive: () => {
        writer.retired++;
        writer.activeSeq = undefined;
      },
    },
    // A sender that has delivered nothing yet: every record of a file is undelivered.
    sender: {
      undelivered: (e: LedgerEntry) => [e.records, e.severities?.slice()],
      evicted: (seq: number) => evictedSeqs.push(seq),
    },
  });
  /** A written, closed segment of `records` records of class `cls`, `bytes` long. */
  const segment = (seq: number, bytes: number, records: number, cls: number) => {
    const path = join(dir, `${seq}.wal`);
    writeFileSync(path, Buffer.alloc(bytes));
    const e = ledger.created(seq, path, HEADER, false);
    ledger.appended(e, bytes - HEADER, records, counts(cls, records));
    ledger.closed(e);
    return e;
  };
  return { cap, ledger, counters, segment, evictedSeqs, writer };
}

describe('DiskCap', () => {
  describe('admit', () => {
    it('should accept what fits and count it accepted', () => {
      const { cap, counters } = setup('drop_oldest', 10_000);
      expect(cap.admit(1000, 5, counts(INFO, 5))).toBe(true);
      expect(counters.accepted).toBe(5);
      expect(counters.dropped.disk_full).toEqual(emptyCounts());
    });

    it('should refuse the newest batch with drop_newest, counting it disk_full by class', () => {
      const { cap, counters, segment, ledger } = setup('drop_newest', 1000);
      segment(1, 900, 9, INFO);
      expect(cap.admit(100, 3, counts(ERROR, 3))).toBe(false);
      expect(counters.accepted).toBe(0);
      expect(counters.dropped.disk_full).toEqual(counts(ERROR, 3));
      expect(ledger.get(1)).toBeDefined();
    });

    it('should evict the oldest files first with drop_oldest until the batch fits, counting what they held', () => {
      const { cap, counters, segment, ledger, evictedSeqs } = setup('drop_oldest', 1000);
      const a = segment(1, 400, 4, INFO);
      const b = segment(2, 400, 6, ERROR);
      segment(3, 100, 1, INFO);
      // 900 on disk: a batch of 500 (+ a segment header) needs both of the two oldest gone.
      expect(cap.admit(500, 2, counts(INFO, 2))).toBe(true);
      expect(evictedSeqs).toEqual([1, 2]);
      expect(existsSync(a.path)).toBe(false);
      expect(existsSync(b.path)).toBe(false);
      expect(ledger.sorted().map((e) => e.seq)).toEqual([3]);
      const dropped = counts(INFO, 4);
      dropped[ERROR] = 6;
      expect(counters.dropped.disk_full).toEqual(dropped);
      expect(counters.accepted).toBe(2);
    });

    it('should retire and evict the segment being written when it is the last one left', () => {
      const { cap, counters, segment, writer, evictedSeqs } = setup('drop_oldest', 1000);
      segment(1, 900, 9, INFO);
      writer.activeSeq = 1;
      expect(cap.admit(200, 1, counts(INFO, 1))).toBe(true);
      expect(writer.retired).toBe(1);
      expect(evictedSeqs).toEqual([1]);
      expect(counters.dropped.disk_full).toEqual(counts(INFO, 9));
    });

    it('should never evict a recovered file before its scan verified it', () => {
      const { cap, counters, ledger } = setup('drop_oldest', 1000);
      ledger.listedSegment(1, '/nonexistent/1.wal', 900, false);
      expect(cap.admit(200, 2, counts(INFO, 2))).toBe(false);
      expect(ledger.get(1)).toBeDefined();
      expect(counters.dropped.disk_full).toEqual(counts(INFO, 2));
    });
  });

  describe('writeFailed', () => {
    const errno = (code: string) =>
      Object.assign(new Error(`${code}: injected, write`), { code, syscall: 'write' });

    it.each(['ENOSPC', 'EDQUOT'])(
      'should take an admitted batch back out of accepted and count it disk_full on %s',
      (code) => {
        const { cap, counters } = setup('drop_oldest', 10_000);
        cap.admit(100, 4, counts(INFO, 4));
        cap.writeFailed(errno(code), 4, counts(INFO, 4));
        expect(counters.accepted).toBe(0);
        expect(counters.dropped.disk_full).toEqual(counts(INFO, 4));
        expect(counters.dropped.io_error).toEqual(emptyCounts());
        expect(counters.lastError?.message).toBe(`Error: ${code}: injected, write`);
      },
    );

    it.each(['EIO', 'EROFS', 'EBADF', undefined])(
      'should count it io_error on any other error (code %s)',
      (code) => {
        const { cap, counters } = setup('drop_oldest', 10_000);
        cap.admit(100, 4, counts(ERROR, 4));
        const err = code === undefined ? new Error('no errno code') : errno(code);
        cap.writeFailed(err, 4, counts(ERROR, 4));
        expect(counters.accepted).toBe(0);
        expect(counters.dropped.io_error).toEqual(counts(ERROR, 4));
        expect(counters.dropped.disk_full).toEqual(emptyCounts());
        expect(counters.lastError?.message).toBe(`Error: ${err.message}`);
      },
    );
  });
});
