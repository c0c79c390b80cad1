import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Ledger, type LedgerEntry, type WalEntry } from '../src/internal/ledger';
import { emptyCounts, type SeverityCounts } from '../src/internal/severity-counts';

const HEADER = 32;

function counts(at: number, n: number): SeverityCounts {
  const c = emptyCounts();
  c[at] = n;
  return c;
}

describe('Ledger', () => {
  describe('transitions', () => {
    it('should count an appended frame in bytes, records and severities, and take it back on cutBack', () => {
      const ledger = new Ledger();
      const seg = ledger.created(1, '/d/1.wal', HEADER, false);
      ledger.appended(seg, 100, 3, counts(2, 3));
      ledger.appended(seg, 50, 2, counts(5, 2));
      expect(ledger.totals()).toEqual({
        walRecords: 5,
        walBytes: 182,
        spillRecords: 0,
        spillBytes: 0,
      });
      expect(seg.severities).toEqual(counts(2, 3).map((n, i) => n + counts(5, 2)[i]!));
      expect(seg.written).toBe(HEADER);
      ledger.landed(seg, 182);
      expect(seg.written).toBe(182);

      ledger.cutBack(seg, 132, 3, [counts(5, 2)]);
      expect(seg.bytes).toBe(132);
      expect(seg.records).toBe(3);
      expect(seg.severities).toEqual(counts(2, 3));
      expect(ledger.totalBytes()).toBe(132);
    });

    it('should replace a spilled segment by its spill file under the same seq', () => {
      const ledger = new Ledger();
      const seg = ledger.created(4, '/d/4.wal', HEADER, false);
      ledger.appended(seg, 1000, 10, counts(2, 10));
      ledger.closed(seg);
      const spill = ledger.spilled(seg, {
        path: '/d/s.spill-4.zst',
        bytes: 300,
        records: 10,
        severities: counts(2, 10),
      });
      expect(ledger.get(4)).toBe(spill);
      expect(spill).toMatchObject({ kind: 'spill', seq: 4, verified: true, evicted: false });
      expect(ledger.totals()).toEqual({
        walRecords: 0,
        walBytes: 0,
        spillRecords: 10,
        spillBytes: 300,
      });
    });

    it('should mark an evicted entry evicted and forget it, and forget delivered, given-up, lost and held ones', () => {
      const ledger = new Ledger();
      const entries = [1, 2, 3, 4, 5].map((seq) =>
        ledger.listedSegment(seq, `/d/${seq}.wal`, 64, false),
      );
      ledger.evicted(entries[0]!);
      ledger.delivered(entries[1]!);
      ledger.gaveUp(entries[2]!);
      ledger.lost(entries[3]!);
      ledger.held(entries[4]!);
      expect(entries[0]!.evicted).toBe(true);
      expect(entries.slice(1).map((e) => e.evicted)).toEqual([false, false, false, false]);
      expect(ledger.sorted()).toEqual([]);
      expect(ledger.totalBytes()).toBe(0);
    });

    it('should account a recovered segment through its scan: records found, tail cut, verified', async () => {
      const ledger = new Ledger();
      const seg = ledger.listedSegment(7, '/d/7.wal', 500, undefined);
      expect(seg).toMatchObject({ closed: true, verified: false, written: 500, records: 0 });
      const scanned = Promise.resolve();
      ledger.scanStarted(seg, scanned);
      ledger.recordsFound(seg, 4);
      ledger.recordsFound(seg, 6);
      ledger.cut(seg, 400);
      ledger.verified(seg);
      expect(seg).toMatchObject({ records: 10, bytes: 400, written: 400, verified: true, scanned });
      const spill = ledger.listedSpill(8, '/d/s.spill-8.zst', 90);
      ledger.recordsFound(spill, 12);
      expect(ledger.totals()).toEqual({
        walRecords: 10,
        walBytes: 400,
        spillRecords: 12,
        spillBytes: 90,
      });
    });

    it('should keep its totals equal to the sum over its files and never return a forgotten entry, for any sequence of transitions', () => {
      const step = fc.oneof(
        fc.record({ t: fc.constant('create' as const) }),
        fc.record({ t: fc.constant('list' as const), spill: fc.boolean(), bytes: fc.nat(10_000) }),
        fc.record({
          t: fc.constant('append' as const),
          pick: fc.nat(),
          bytes: fc.integer({ min: 1, max: 5000 }),
          records: fc.integer({ min: 1, max: 50 }),
          cls: fc.nat(6),
        }),
        fc.record({ t: fc.constant('cutBack' as const), pick: fc.nat() }),
        fc.record({ t: fc.constant('land' as const), pick: fc.nat() }),
        fc.record({ t: fc.constant('scan' as const), pick: fc.nat(), records: fc.nat(100) }),
        fc.record({ t: fc.constant('cut' as const), pick: fc.nat() }),
        fc.record({ t: fc.constant('spill' as const), pick: fc.nat(), bytes: fc.nat(10_000) }),
        fc.record({
          t: fc.constantFrom('evicted', 'delivered', 'gaveUp', 'lost', 'held'),
          pick: fc.nat(),
        }),
        // A late transition on a forgotten entry (a scan or a write finishing after eviction).
        fc.record({ t: fc.constant('stale' as const), pick: fc.nat(), records: fc.nat(100) }),
      );
      fc.assert(
        fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
          const ledger = new Ledger();
          /** The model: what each live file holds. */
          const model = new Map<
            number,
            { kind: 'wal' | 'spill'; bytes: number; records: number }
          >();
          const live: LedgerEntry[] = [];
          const gone: LedgerEntry[] = [];
          let nextSeq = 1;
          const pickLive = (n: number) => (live.length ? live[n % live.length] : undefined);
          const pickWal = (n: number) => {
            const wal = live.filter((e): e is WalEntry => e.kind === 'wal');
            return wal.length ? wal[n % wal.length] : undefined;
          };
          const forget = (e: LedgerEntry) => {
            live.splice(live.indexOf(e), 1);
            gone.push(e);
            model.delete(e.seq);
          };
          for (const s of steps) {
            switch (s.t) {
              case 'create': {
                const e = ledger.created(nextSeq, `/d/${nextSeq}.wal`, HEADER, false);
                model.set(nextSeq++, { kind: 'wal', bytes: HEADER, records: 0 });
                live.push(e);
                break;
              }
              case 'list': {
                const seq = nextSeq++;
                const e = s.spill
                  ? ledger.listedSpill(seq, `/d/s.spill-${seq}.zst`, s.bytes)
                  : ledger.listedSegment(seq, `/d/${seq}.wal`, s.bytes, false);
                model.set(seq, { kind: e.kind, bytes: s.bytes, records: 0 });
                live.push(e);
                break;
              }
              case 'append': {
                const e = pickWal(s.pick);
                if (e === undefined || e.severities === undefined) break;
                ledger.appended(e, s.bytes, s.records, counts(s.cls, s.records));
                const m = model.get(e.seq)!;
                m.bytes += s.bytes;
                m.records += s.records;
                break;
              }
              case 'cutBack': {
                const e = pickWal(s.pick);
                if (e === undefined || e.severities === undefined) break;
                ledger.cutBack(e, HEADER, 0, []);
                Object.assign(model.get(e.seq)!, { bytes: HEADER, records: 0 });
                break;
              }
              case 'land': {
                const e = pickWal(s.pick);
                if (e !== undefined) ledger.landed(e, e.bytes);
                break;
              }
              case 'scan': {
                const e = pickLive(s.pick);
                if (e === undefined) break;
                ledger.recordsFound(e, s.records);
                ledger.verified(e);
                model.get(e.seq)!.records += s.records;
                break;
              }
              case 'cut': {
                const e = pickWal(s.pick);
                if (e === undefined) break;
                const end = Math.floor(e.bytes / 2);
                ledger.cut(e, end);
                model.get(e.seq)!.bytes = end;
                break;
              }
              case 'spill': {
                const e = pickWal(s.pick);
                if (e === undefined) break;
                const spill = ledger.spilled(e, {
                  path: `/d/s.spill-${e.seq}.zst`,
                  bytes: s.bytes,
                  records: e.records,
                  severities: emptyCounts(),
                });
                model.set(e.seq, { kind: 'spill', bytes: s.bytes, records: e.records });
                live.splice(live.indexOf(e), 1, spill);
                gone.push(e);
                break;
              }
              case 'stale': {
                const e = gone.length ? gone[s.pick % gone.length] : undefined;
                if (e === undefined) break;
                ledger.recordsFound(e, s.records);
                ledger.verified(e);
                if (e.kind === 'wal') ledger.landed(e, e.bytes);
                break;
              }
              default: {
                const e = pickLive(s.pick);
                if (e === undefined) break;
                ledger[s.t](e);
                forget(e);
              }
            }
            const sum = { walRecords: 0, walBytes: 0, spillRecords: 0, spillBytes: 0 };
            for (const m of model.values()) {
              if (m.kind === 'wal') {
                sum.walRecords += m.records;
                sum.walBytes += m.bytes;
              } else {
                sum.spillRecords += m.records;
                sum.spillBytes += m.bytes;
              }
            }
            expect(ledger.totals()).toEqual(sum);
            expect(ledger.totalBytes()).toBe(sum.walBytes + sum.spillBytes);
            expect(ledger.sorted().map((e) => e.seq)).toEqual(
              [...model.keys()].sort((a, b) => a - b),
            );
            for (const e of gone) {
              expect(ledger.get(e.seq)).not.toBe(e);
              expect(ledger.sorted()).not.toContain(e);
              expect(ledger.atOrAfter(e.seq)).not.toBe(e);
            }
          }
        }),
        { numRuns: 300 },
      );
    });
  });
});
