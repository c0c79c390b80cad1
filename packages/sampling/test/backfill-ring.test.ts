import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BackfillRing, Leave, TRACE_OVERHEAD_BYTES } from '../src/internal/backfill-ring';

// The ring only stores records and hands them back: a tagged object stands for one.
const rec = (tag: string) => ({ body: tag }) as unknown as ReadableLogRecord;

function setup(maxBytes: number, maxBytesPerTrace: number, windowMillis = 1000) {
  const left: { cls: number; reason: number }[] = [];
  const ring = new BackfillRing(maxBytes, maxBytesPerTrace, windowMillis, (cls, reason) =>
    left.push({ cls, reason }),
  );
  const released = (traceId: string): string[] => {
    const out: string[] = [];
    ring.release(traceId, (r) => out.push(r.body as string));
    return out;
  };
  return { ring, left, released };
}

describe('BackfillRing', () => {
  describe('release', () => {
    it('should hand back one trace’s records in emit order, interleaved with others', () => {
      const { ring, released } = setup(100_000, 10_000);
      for (let i = 0; i < 5; i++) {
        ring.hold('a', rec(`a${i}`), 2, 100, i);
        ring.hold('b', rec(`b${i}`), 2, 100, i);
      }
      expect(released('a')).toEqual(['a0', 'a1', 'a2', 'a3', 'a4']);
      expect(ring.size).toBe(5);
      expect(ring.bytes).toBe(500 + TRACE_OVERHEAD_BYTES);
      expect(released('a')).toEqual([]);
      expect(released('b')).toEqual(['b0', 'b1', 'b2', 'b3', 'b4']);
      expect(ring.bytes).toBe(0);
      expect(ring.traceCount).toBe(0);
    });
  });

  describe('hold', () => {
    it('should evict the trace’s oldest past the per-trace bound, counted as evicted', () => {
      const { ring, left, released } = setup(100_000, 300);
      ring.hold('b', rec('b0'), 1, 100, 0);
      for (let i = 0; i < 5; i++) ring.hold('a', rec(`a${i}`), 2, 100, i);
      expect(left).toEqual([
        { cls: 2, reason: Leave.EVICTED },
        { cls: 2, reason: Leave.EVICTED },
      ]);
      expect(released('a')).toEqual(['a2', 'a3', 'a4']);
      expect(released('b')).toEqual(['b0']);
    });

    it('should evict the oldest overall past the total bound, whole traces leaving', () => {
      // Room for 2 traces of 2 records: 2 × (2 × 100 + overhead).
      const { ring, left, released } = setup(2 * (200 + TRACE_OVERHEAD_BYTES), 10_000);
      ring.hold('a', rec('a0'), 2, 100, 0);
      ring.hold('a', rec('a1'), 2, 100, 1);
      ring.hold('b', rec('b0'), 1, 100, 2);
      ring.hold('b', rec('b1'), 1, 100, 3);
      expect(left).toHaveLength(0);
      ring.hold('c', rec('c0'), 3, 100, 4);
      // c needs 100 + overhead: a0 goes (100), then a1 (100 + a's overhead freed).
      expect(left).toEqual([
        { cls: 2, reason: Leave.EVICTED },
        { cls: 2, reason: Leave.EVICTED },
      ]);
      expect(ring.traceCount).toBe(2);
      expect(released('a')).toEqual([]);
      expect(released('b')).toEqual(['b0', 'b1']);
      expect(released('c')).toEqual(['c0']);
    });

    it('should refuse a record larger than a bound by itself, evicting nothing', () => {
      const { ring, left } = setup(1000, 500);
      ring.hold('a', rec('a0'), 2, 100, 0);
      expect(ring.hold('a', rec('big'), 2, 501, 1)).toBe(false);
      expect(ring.hold('b', rec('big'), 2, 1000 - TRACE_OVERHEAD_BYTES + 1, 1)).toBe(false);
      expect(left).toHaveLength(0);
      expect(ring.size).toBe(1);
    });
  });

  describe('expire', () => {
    it('should remove records once the window has passed, oldest first, counted as expired', () => {
      const { ring, left, released } = setup(100_000, 10_000, 1000);
      ring.hold('a', rec('a0'), 2, 100, 0);
      ring.hold('b', rec('b0'), 1, 100, 500);
      ring.hold('a', rec('a1'), 2, 100, 900);
      ring.expire(999);
      expect(left).toHaveLength(0);
      ring.expire(1000);
      expect(left).toEqual([{ cls: 2, reason: Leave.EXPIRED }]);
      ring.expire(1500);
      expect(left).toHaveLength(2);
      expect(released('a')).toEqual(['a1']);
      expect(released('b')).toEqual([]);
    });

    it('should empty the ring on clear, every record counted as expired', () => {
      const { ring, left } = setup(100_000, 10_000);
      for (let i = 0; i < 7; i++) ring.hold(`t${i % 3}`, rec(`r${i}`), i % 4, 50, i);
      ring.clear();
      expect(left.map((l) => l.reason)).toEqual(new Array(7).fill(Leave.EXPIRED));
      expect(ring.size).toBe(0);
      expect(ring.bytes).toBe(0);
      expect(ring.traceCount).toBe(0);
    });
  });

  describe('bounds (property)', () => {
    // Random holds (8 traces, sizes up to 900 bytes), releases and clock advances.
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('hold' as const),
        trace: fc.integer({ min: 0, max: 7 }),
        bytes: fc.integer({ min: 1, max: 900 }),
        dt: fc.integer({ min: 0, max: 300 }),
      }),
      fc.record({ kind: fc.constant('release' as const), trace: fc.integer({ min: 0, max: 7 }) }),
      fc.record({ kind: fc.constant('expire' as const), dt: fc.integer({ min: 0, max: 2000 }) }),
    );

    it('should never exceed its bounds and account every record exactly once', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: TRACE_OVERHEAD_BYTES + 1, max: 5000 }),
          fc.integer({ min: 1, max: 2000 }),
          fc.array(op, { maxLength: 300 }),
          (maxBytes, perTrace, ops) => {
            const { ring, left } = setup(maxBytes, Math.min(perTrace, maxBytes), 1000);
            let now = 0;
            let seq = 0;
            let held = 0;
            let refused = 0;
            let released = 0;
            for (const o of ops) {
              if (o.kind === 'hold') {
                now += o.dt;
                const tag = seq++;
                if (ring.hold(`t${o.trace}`, rec(String(tag)), 0, o.bytes, now)) held++;
                else refused++;
              } else if (o.kind === 'release') {
                const out: number[] = [];
                ring.release(`t${o.trace}`, (r) => out.push(Number(r.body)));
                released += out.length;
                // Emit order: increasing tags.
                expect(out).toEqual([...out].sort((x, y) => x - y));
              } else {
                now += o.dt;
                ring.expire(now);
              }
              expect(ring.bytes).toBeLessThanOrEqual(maxBytes);
              expect(ring.bytes).toBeGreaterThanOrEqual(0);
              expect(ring.size).toBe(held - released - left.length);
            }
            expect(refused + held).toBe(seq);
            ring.clear();
            expect(ring.bytes).toBe(0);
            expect(left.length + released).toBe(held);
          },
        ),
        { numRuns: 500 },
      );
    });

    it('should keep each trace within the per-trace bound', () => {
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 400 })), {
            maxLength: 200,
          }),
          (holds) => {
            const perTrace = 1000;
            const { ring } = setup(3000, perTrace, 10_000);
            holds.forEach(([t, bytes], i) => {
              ring.hold(`t${t}`, rec(String(bytes)), 0, bytes, i);
            });
            for (let t = 0; t < 4; t++) {
              let sum = 0;
              ring.release(`t${t}`, (r) => {
                sum += Number(r.body);
              });
              expect(sum).toBeLessThanOrEqual(perTrace);
            }
          },
        ),
        { numRuns: 500 },
      );
    });
  });
});
