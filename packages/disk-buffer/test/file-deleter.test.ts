import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { FileDeleter } from '../src/internal/file-deleter';
import { FileHolds } from '../src/internal/file-holds';
import { Ledger, type LedgerEntry } from '../src/internal/ledger';
import { emptyCounts } from '../src/internal/severity-counts';
import { removeTempDirs, tempDir } from './helpers/records';

afterEach(removeTempDirs);

function setup() {
  const dir = tempDir('spillway-deleter-');
  const ledger = new Ledger();
  const errors: unknown[] = [];
  let refreshed = 0;
  const holds = new FileHolds(
    () => refreshed++,
    (err) => errors.push(err),
  );
  const files = new FileDeleter(ledger, holds, () => refreshed++);
  /** A WAL segment on disk, registered as the writer registers one. */
  const segment = (seq: number) => {
    const path = join(dir, `${String(seq).padStart(20, '0')}.wal`);
    writeFileSync(path, Buffer.alloc(64));
    return ledger.created(seq, path, 64, false);
  };
  /** A spill file and its index on disk, for `seq`. */
  const spillFile = (seq: number) => {
    const path = join(dir, `svc-20260101-000000.spill-${seq}.zst`);
    writeFileSync(path, 'z');
    writeFileSync(`${path}.idx`, 'i');
    return path;
  };
  return {
    dir,
    ledger,
    holds,
    files,
    errors,
    segment,
    spillFile,
    refreshed: () => refreshed,
  };
}

describe('FileDeleter', () => {
  describe('delivered', () => {
    it('should unlink the segment, forget it and ask for free space again', () => {
      const { ledger, files, segment, refreshed, errors } = setup();
      const seg = segment(1);
      files.delivered(seg);
      expect(existsSync(seg.path)).toBe(false);
      expect(ledger.get(1)).toBeUndefined();
      expect(refreshed()).toBe(2); // the unlink, then the ledger step
      expect(errors).toEqual([]);
    });

    it('should unlink a spill file with its index', () => {
      const { ledger, files, segment, spillFile } = setup();
      const seg = segment(2);
      const spill = files.superseded(seg, {
        path: spillFile(2),
        bytes: 2,
        records: 0,
        severities: emptyCounts(),
      });
      files.delivered(spill);
      expect(existsSync(spill.path)).toBe(false);
      expect(existsSync(`${spill.path}.idx`)).toBe(false);
      expect(ledger.sorted()).toEqual([]);
    });

    it('should not unlink again a file the disk cap evicted (a new file at its path stays)', () => {
      const { files, segment } = setup();
      const seg = segment(3);
      files.evicted(seg);
      expect(existsSync(seg.path)).toBe(false);
      writeFileSync(seg.path, 'someone else');
      files.delivered(seg);
      expect(existsSync(seg.path)).toBe(true);
    });
  });

  describe('evicted', () => {
    it('should forget a held file at once and unlink it when its last holder releases it', () => {
      const { ledger, holds, files, segment } = setup();
      const seg = segment(4);
      holds.hold(seg.path);
      holds.hold(seg.path);
      files.evicted(seg);
      expect(seg.evicted).toBe(true);
      expect(ledger.get(4)).toBeUndefined();
      holds.release(seg.path);
      expect(existsSync(seg.path)).toBe(true);
      holds.release(seg.path);
      expect(existsSync(seg.path)).toBe(false);
    });
  });

  describe('superseded', () => {
    it('should put the spill file under the seq and unlink the segment once released', () => {
      const { ledger, holds, files, segment, spillFile } = setup();
      const seg = segment(5);
      holds.hold(seg.path);
      const spill = files.superseded(seg, {
        path: spillFile(5),
        bytes: 2,
        records: 7,
        severities: emptyCounts(),
      });
      expect(ledger.get(5)).toBe(spill);
      expect(existsSync(seg.path)).toBe(true);
      holds.release(seg.path);
      expect(existsSync(seg.path)).toBe(false);
      expect(existsSync(spill.path)).toBe(true);
    });
  });

  describe('abandonedSpill, lost, gaveUp and leftover', () => {
    it('should each delete exactly their files', () => {
      const { dir, ledger, files, segment, spillFile } = setup();
      const orphan = spillFile(9);
      files.abandonedSpill(orphan);
      const gone = segment(10);
      files.lost(gone); // already gone underneath: only the ledger changes
      expect(existsSync(gone.path)).toBe(true);
      const bad = segment(11);
      files.gaveUp(bad);
      const tmp = join(dir, 'x.zst.tmp');
      writeFileSync(tmp, 't');
      FileDeleter.leftover(tmp);
      expect(readdirSync(dir)).toEqual([`${String(10).padStart(20, '0')}.wal`]);
      expect(ledger.sorted()).toEqual([]);
    });
  });

  it('should leave on disk exactly the files the ledger lists, for any sequence of deletions and holds', () => {
    const op = fc.record({
      t: fc.constantFrom('delivered', 'gaveUp', 'evicted', 'superseded', 'hold', 'release'),
      pick: fc.nat(),
    });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(op, { maxLength: 30 }), (n, ops) => {
        const { dir, ledger, holds, files, segment, spillFile } = setup();
        const live: LedgerEntry[] = [];
        const deleted: LedgerEntry[] = [];
        for (let seq = 1; seq <= n; seq++) live.push(segment(seq));
        const held: string[] = [];
        for (const o of ops) {
          if (o.t === 'release') {
            const path = held.splice(o.pick % Math.max(1, held.length), 1)[0];
            if (path !== undefined) holds.release(path);
            continue;
          }
          const e = live[o.pick % Math.max(1, live.length)];
          if (e === undefined) continue;
          if (o.t === 'hold') {
            holds.hold(e.path);
            held.push(e.path);
            continue;
          }
          if (o.t === 'superseded') {
            if (e.kind !== 'wal') continue;
            const spill = files.superseded(e, {
              path: spillFile(e.seq),
              bytes: 2,
              records: 0,
              severities: emptyCounts(),
            });
            live.splice(live.indexOf(e), 1, spill);
          } else {
            files[o.t](e);
            live.splice(live.indexOf(e), 1);
          }
          deleted.push(e);
          for (const d of deleted) {
            expect(ledger.get(d.seq)).not.toBe(d);
            expect(ledger.sorted()).not.toContain(d);
          }
        }
        for (const path of held.splice(0)) holds.release(path);
        const expected = ledger
          .sorted()
          .flatMap((e) => (e.kind === 'spill' ? [e.path, `${e.path}.idx`] : [e.path]))
          .map((p) => p.slice(dir.length + 1))
          .sort();
        expect(readdirSync(dir).sort()).toEqual(expected);
        expect(ledger.sorted()).toEqual([...live].sort((a, b) => a.seq - b.seq));
        removeTempDirs();
      }),
      { numRuns: 60 },
    );
  });
});
