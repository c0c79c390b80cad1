import { describe, expect, it } from 'vitest';
import {
  BODY_LENGTH,
  DEFAULT_LEVEL_MIX,
  SyntheticRecordGenerator,
} from '../src/synthetic-record-generator';
import type { GeneratedLogRecord } from '../src/types';

const CLASSES = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
const classOf = (r: GeneratedLogRecord) => CLASSES[(r.severityNumber - 1) >> 2]!;
// A line of a JVM (`\tat `) or V8 (`    at `) stack trace.
const JAVA_FRAME = /\n\tat [\w$./]+\(/;
const NODE_FRAME = /\n {4}at \S/;

function setup(n: number, options: ConstructorParameters<typeof SyntheticRecordGenerator>[0] = {}) {
  return new SyntheticRecordGenerator({ seed: 1, ...options }).take(n);
}

describe('SyntheticRecordGenerator', () => {
  describe('next', () => {
    it('should be deterministic for a seed and differ across seeds', () => {
      const a = setup(3000, { seed: 7 });
      expect(setup(3000, { seed: 7 })).toEqual(a);
      const c = setup(3000, { seed: 8 });
      const same = a.filter((r, i) => r.body === c[i]!.body).length;
      expect(same).toBeLessThan(300);
    });

    it('should number records with the id attribute, or not at all when it is false', () => {
      const recs = setup(1000);
      expect(recs.map((r) => r.attributes['test.id'])).toEqual(recs.map((_, i) => i));
      expect(recs.map((r) => r.id)).toEqual(recs.map((_, i) => i));
      const bare = setup(1000, { idAttribute: false });
      expect(bare.some((r) => 'test.id' in r.attributes)).toBe(false);
    });

    it('should space timestamps by intervalMicros from startTimeMs', () => {
      const recs = setup(3, { startTimeMs: 1_000, intervalMicros: 1_500 });
      expect(recs.map((r) => r.timestamp)).toEqual([1_000, 1_001.5, 1_003]);
    });

    it('should keep the default level mix within five standard deviations', () => {
      const n = 100_000;
      const recs = setup(n);
      const counts = Object.fromEntries(CLASSES.map((c) => [c, 0]));
      for (const r of recs) counts[classOf(r)]!++;
      for (const c of CLASSES) {
        const p = DEFAULT_LEVEL_MIX[c];
        const tolerance = 5 * Math.sqrt((p * (1 - p)) / n);
        expect(Math.abs(counts[c]! / n - p), c).toBeLessThan(tolerance);
      }
      expect(DEFAULT_LEVEL_MIX).toEqual({
        trace: 0.02,
        debug: 0.05,
        info: 0.75,
        warn: 0.13,
        error: 0.04,
        fatal: 0.01,
      });
      // Severity text matches the number, as OTel names the classes.
      expect(recs.every((r) => r.severityText === classOf(r).toUpperCase())).toBe(true);
    });

    it('should follow a given levelMix, leaving out the classes it omits', () => {
      const recs = setup(20_000, { levelMix: { info: 3, error: 1 } });
      const errors = recs.filter((r) => r.severityNumber === 17).length;
      expect(recs.filter((r) => r.severityNumber === 9).length + errors).toBe(20_000);
      expect(errors / 20_000).toBeGreaterThan(0.24);
      expect(errors / 20_000).toBeLessThan(0.26);
    });

    it('should reject a level mix or options it cannot honour, naming the value', () => {
      const make = (o: object) => () => new SyntheticRecordGenerator(o);
      expect(make({ levelMix: { info: -1 } })).toThrow(
        'levelMix.info must be a finite number ≥ 0, got -1',
      );
      expect(make({ levelMix: { warn: Number.NaN } })).toThrow(/levelMix.warn .* got NaN/);
      expect(make({ levelMix: { info: 0 } })).toThrow('levelMix gives every class weight 0');
      expect(make({ noTraceContextShare: 1.5 })).toThrow(
        'noTraceContextShare must be in [0, 1], got 1.5',
      );
      expect(make({ concurrentTraces: 0 })).toThrow(
        'concurrentTraces must be an integer ≥ 1, got 0',
      );
      expect(make({ recordsPerTrace: Infinity })).toThrow(/recordsPerTrace .* got Infinity/);
      expect(make({ intervalMicros: -1 })).toThrow(/intervalMicros .* got -1/);
    });

    it('should write bodies of 20 to 2,000 characters, with a tail of long ones', () => {
      const lengths = setup(100_000).map((r) => r.body.length);
      expect(Math.min(...lengths)).toBeGreaterThanOrEqual(BODY_LENGTH.min);
      expect(Math.max(...lengths)).toBeLessThanOrEqual(BODY_LENGTH.max);
      expect(BODY_LENGTH).toEqual({ min: 20, max: 2000 });
      const over1000 = lengths.filter((l) => l > 1000).length;
      expect(over1000).toBeGreaterThan(1000);
      expect(lengths.filter((l) => l < 100).length).toBeGreaterThan(50_000);
    });

    it('should give every record 3 to 6 attributes besides its id, code.namespace among them', () => {
      const counts = new Set<number>();
      const bad: unknown[] = [];
      for (const r of setup(50_000, { idAttribute: false })) {
        const values = Object.values(r.attributes);
        counts.add(values.length);
        const typed = values.every((v) => typeof v === 'string' || typeof v === 'number');
        if (typeof r.attributes['code.namespace'] !== 'string' || !typed) bad.push(r.attributes);
      }
      expect(bad).toEqual([]);
      expect([...counts].sort()).toEqual([3, 4, 5, 6]);
    });

    it('should write the messages of six services with their realistic parameters', () => {
      const recs = setup(50_000);
      const has = (pred: (r: GeneratedLogRecord) => boolean) => recs.filter(pred).length;
      const attr = (k: string, v?: string) => (r: GeneratedLogRecord) =>
        v === undefined ? r.attributes[k] !== undefined : r.attributes[k] === v;
      // HTTP API, checkout, database pool, Kafka consumer, auth, Redis cache.
      expect(has(attr('http.route'))).toBeGreaterThan(1000);
      expect(has(attr('app.payment.provider'))).toBeGreaterThan(500);
      expect(has(attr('db.system.name', 'postgresql'))).toBeGreaterThan(1000);
      expect(has(attr('messaging.system', 'kafka'))).toBeGreaterThan(1000);
      expect(
        has((r) => String(r.attributes['code.namespace']).startsWith('auth.')),
      ).toBeGreaterThan(1000);
      expect(has(attr('db.system.name', 'redis'))).toBeGreaterThan(1000);
      const bodies = recs.map((r) => r.body).join('\n');
      expect(bodies).toMatch(
        /\b[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\b/,
      );
      expect(bodies).toMatch(/\b10\.\d+\.\d+\.\d+\b/);
      expect(bodies).toMatch(/\b(GET|POST|DELETE) \/api\/v1\/\S+ \d{3} in [\d.]+ ms/);
      expect(bodies).toMatch(/\bSELECT .* FROM \w+ WHERE /);
      expect(bodies).toMatch(/\bord_[0-9A-Za-z]{14}\b/);
      expect(
        recs.some((r) => String(r.attributes['user_agent.original']).startsWith('Mozilla/5.0')),
      ).toBe(true);
    });

    it('should put Java and Node stack traces on some ERROR and FATAL records, never on others', () => {
      const recs = setup(50_000);
      const stacked = (r: GeneratedLogRecord) => JAVA_FRAME.test(r.body) || NODE_FRAME.test(r.body);
      const errors = recs.filter((r) => r.severityNumber >= 17);
      const share = errors.filter(stacked).length / errors.length;
      expect(share).toBeGreaterThan(0.4);
      expect(share).toBeLessThan(0.8);
      expect(errors.filter((r) => JAVA_FRAME.test(r.body)).length).toBeGreaterThan(100);
      expect(errors.filter((r) => NODE_FRAME.test(r.body)).length).toBeGreaterThan(100);
      expect(
        errors.some((r) => /\nCaused by: [\w.]+: .*\n(.|\n)*\t\.\.\. \d+ more/.test(r.body)),
      ).toBe(true);
      expect(recs.filter((r) => r.severityNumber < 17).filter(stacked)).toEqual([]);
      // An error without its stack trace still names its exception.
      const plain = errors.filter((r) => !stacked(r));
      expect(plain.every((r) => /: [\w.]+: /.test(r.body))).toBe(true);
    });
  });

  describe('trace contexts', () => {
    it('should leave the configured share without trace context, the rest with W3C random flags', () => {
      const recs = setup(20_000, { seed: 3, noTraceContextShare: 0.25 });
      const without = recs.filter((r) => r.spanContext === undefined).length / recs.length;
      expect(without).toBeGreaterThan(0.23);
      expect(without).toBeLessThan(0.27);
      const traced = recs.filter((r) => r.spanContext);
      expect(traced.every((r) => /^[0-9a-f]{32}$/.test(r.spanContext!.traceId))).toBe(true);
      expect(traced.every((r) => /^[0-9a-f]{16}$/.test(r.spanContext!.spanId))).toBe(true);
      expect(traced.every((r) => r.spanContext!.traceFlags === 3)).toBe(true);
      expect(recs.filter((r) => !r.spanContext).every((r) => r.parentSpanId === undefined)).toBe(
        true,
      );
    });

    it('should spread about recordsPerTrace records over a tree of several spans per trace', () => {
      const recs = setup(40_000, { noTraceContextShare: 0, recordsPerTrace: 20 });
      const traces = new Map<string, { records: number; spans: Map<string, string | undefined> }>();
      for (const r of recs) {
        const { traceId, spanId } = r.spanContext!;
        let t = traces.get(traceId);
        if (!t) {
          t = { records: 0, spans: new Map() };
          traces.set(traceId, t);
        }
        t.records++;
        if (!t.spans.has(spanId)) {
          // A child span starts after its parent, in the same trace.
          if (r.parentSpanId !== undefined) expect(t.spans.has(r.parentSpanId)).toBe(true);
          t.spans.set(spanId, r.parentSpanId);
        } else {
          expect(t.spans.get(spanId)).toBe(r.parentSpanId);
        }
      }
      const all = [...traces.values()];
      const perTrace = recs.length / all.length;
      expect(perTrace).toBeGreaterThan(15);
      expect(perTrace).toBeLessThan(25);
      for (const t of all) {
        expect([...t.spans.values()].filter((p) => p === undefined)).toHaveLength(1);
        expect(t.spans.size).toBeLessThanOrEqual(16);
      }
      const big = all.filter((t) => t.records >= 20);
      const spansPerBigTrace = big.reduce((a, t) => a + t.spans.size, 0) / big.length;
      expect(spansPerBigTrace).toBeGreaterThan(4);
      expect(spansPerBigTrace).toBeLessThan(12);
    });

    it('should interleave concurrent traces, and run traces one after another with one', () => {
      const resumed = (recs: GeneratedLogRecord[]) => {
        const ended = new Set<string>();
        let prev: string | undefined;
        let count = 0;
        for (const r of recs) {
          const t = r.spanContext!.traceId;
          if (ended.has(t)) count++;
          if (prev !== undefined && prev !== t) ended.add(prev);
          prev = t;
        }
        return count;
      };
      expect(resumed(setup(5000, { noTraceContextShare: 0, concurrentTraces: 1 }))).toBe(0);
      const mixed = setup(5000, { noTraceContextShare: 0, concurrentTraces: 8 });
      expect(resumed(mixed)).toBeGreaterThan(2500);
      const window = new Set(mixed.slice(1000, 1050).map((r) => r.spanContext!.traceId));
      expect(window.size).toBeGreaterThanOrEqual(5);
    });

    it('should start traces at the HTTP API or the queue consumer and call other services below', () => {
      const recs = setup(40_000, { noTraceContextShare: 0 });
      const rootNamespaces = new Set(
        recs
          .filter((r) => r.parentSpanId === undefined)
          .map((r) => String(r.attributes['code.namespace'])),
      );
      for (const ns of rootNamespaces)
        expect(ns).toMatch(/^(api\.|com\.acme\.fulfillment\.|org\.apache\.kafka\.)/);
      const childNamespaces = recs
        .filter((r) => r.parentSpanId !== undefined)
        .map((r) => String(r.attributes['code.namespace']));
      expect(childNamespaces.some((ns) => ns.startsWith('com.zaxxer.hikari'))).toBe(true);
      expect(childNamespaces.some((ns) => ns.startsWith('cache.'))).toBe(true);
    });
  });
});
