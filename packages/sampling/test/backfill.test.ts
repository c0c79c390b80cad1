import { DiagLogLevel, diag, type SpanContext, TraceFlags } from '@opentelemetry/api';
import type { LogRecordProcessor, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import {
  isKept,
  probabilityToThreshold,
  type SamplingLogRecordProcessorOptions,
  type SamplingStats,
  traceIdRandomness,
} from '@spillway/sampling';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { contextWith, randomHex, randomSpanContext, SEV, setupProvider } from './helpers';

// Time is the processor's clock (Date.now under fake timers, refreshed when timers advance); the
// housekeeping timer runs at scheduledDelayMillis (1 s).
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const WINDOW = 10_000;
const BASE: Partial<SamplingLogRecordProcessorOptions> = {
  backfill: { windowMillis: WINDOW },
  noTraceContext: 'drop',
};

function setup(options: Partial<SamplingLogRecordProcessorOptions> = {}) {
  return setupProvider({ ...BASE, ...options });
}

// A trace whose randomness is 0 (low 56 bits of the id): sampled out at any ratio below 1.
function coldTrace(): SpanContext {
  return {
    traceId: `${randomHex(9)}00000000000000`,
    spanId: randomHex(8),
    traceFlags: TraceFlags.SAMPLED,
  };
}

const bodies = (records: ReadableLogRecord[]) => records.map((r) => r.body);
const marked = (r: ReadableLogRecord) => r.attributes['spillway.backfill'] === true;

// offered + summaries = kept + policy drops + held (src/types.ts SamplingStats).
function expectBalanced(s: SamplingStats): void {
  const d = s.dropped;
  expect(s.offered.total + s.summaries).toBe(
    s.kept.total +
      d.sampled.total +
      d.rate_limited.total +
      d.silenced.total +
      d.backfill_evicted.total +
      (s.backfill?.held.total ?? 0),
  );
}

describe('SamplingLogRecordProcessor', () => {
  describe('backfill', () => {
    it('should keep a trace’s held records in emit order, marked, before the ERROR', async () => {
      const { processor, logger, exporter } = setup();
      const t = contextWith(coldTrace());
      const other = contextWith(coldTrace());
      logger.emit({ severityNumber: SEV.info, body: 'i0', context: t });
      logger.emit({ severityNumber: SEV.info, body: 'x0', context: other });
      logger.emit({ severityNumber: SEV.debug, body: 'd0', context: t });
      logger.emit({ severityNumber: SEV.warn, body: 'w0', context: t });
      logger.emit({ severityNumber: SEV.trace, body: 't0', context: t });
      logger.emit({ severityNumber: SEV.info, body: 'i1', context: t });
      let s = processor.getStats();
      expect(s.backfill?.held).toMatchObject({ trace: 1, debug: 1, info: 3, warn: 1, total: 6 });
      expect(s.dropped.sampled.total).toBe(0);
      logger.emit({ severityNumber: SEV.error, body: 'boom', context: t });
      await processor.forceFlush();
      expect(bodies(exporter.records)).toEqual(['i0', 'd0', 'w0', 't0', 'i1', 'boom']);
      expect(exporter.records.slice(0, 5).every(marked)).toBe(true);
      expect(marked(exporter.records[5]!)).toBe(false);
      // Backfilled records were not kept by a threshold: no `sampling.threshold` to weigh them by.
      expect(exporter.records.slice(0, 5).some((r) => 'sampling.threshold' in r.attributes)).toBe(
        false,
      );
      s = processor.getStats();
      expect(s.backfill?.kept).toMatchObject({ trace: 1, debug: 1, info: 2, warn: 1, total: 5 });
      expect(s.backfill?.held).toMatchObject({ info: 1, total: 1 });
      expect(s.kept).toMatchObject({ info: 2, error: 1, total: 6 });
      expectBalanced(s);
    });

    it('should not touch the SDK’s record: the mark is on a copy, on both OTel lines', async () => {
      const seen: ReadableLogRecord[] = [];
      const capture: LogRecordProcessor = {
        onEmit: (r) => void seen.push(r),
        forceFlush: async () => {},
        shutdown: async () => {},
      };
      const { processor, exporter } = setup();
      const { LoggerProvider } = await import('@opentelemetry/sdk-logs');
      const provider = new LoggerProvider({ processors: [processor, capture] });
      const logger = provider.getLogger('copy');
      const t = contextWith(coldTrace());
      logger.emit({ severityNumber: SEV.info, body: 'held', attributes: { a: 1 }, context: t });
      logger.emit({ severityNumber: SEV.error, body: 'boom', context: t });
      await processor.forceFlush();
      expect(bodies(exporter.records)).toEqual(['held', 'boom']);
      expect(exporter.records[0]!.attributes).toEqual({ a: 1, 'spillway.backfill': true });
      expect(seen[0]!.attributes).toEqual({ a: 1 });
      expect(Number(exporter.records[0]!.severityNumber)).toBe(SEV.info);
      await provider.shutdown();
    });

    it('should keep a hot trace’s later records for the window, then hold them again', async () => {
      const { processor, logger, exporter } = setup();
      const t = contextWith(coldTrace());
      logger.emit({ severityNumber: SEV.error, body: 'boom', context: t });
      await vi.advanceTimersByTimeAsync(5_000);
      logger.emit({ severityNumber: SEV.info, body: 'after', context: t });
      await vi.advanceTimersByTimeAsync(4_999);
      logger.emit({ severityNumber: SEV.info, body: 'late', context: t });
      expect(processor.getStats().backfill?.hotTraces).toBe(1);
      await vi.advanceTimersByTimeAsync(2);
      logger.emit({ severityNumber: SEV.info, body: 'cold again', context: t });
      await processor.forceFlush();
      expect(bodies(exporter.records)).toEqual(['boom', 'after', 'late']);
      expect(exporter.records.slice(1).every(marked)).toBe(true);
      const s = processor.getStats();
      expect(s.backfill).toMatchObject({ hotTraces: 0, held: { info: 1 }, kept: { info: 2 } });
    });

    it('should count held records as sampled only when the window has passed', async () => {
      const { processor, logger, exporter } = setup();
      const t = contextWith(coldTrace());
      for (let i = 0; i < 3; i++)
        logger.emit({ severityNumber: SEV.info, body: `i${i}`, context: t });
      await vi.advanceTimersByTimeAsync(WINDOW - 1_001);
      let s = processor.getStats();
      expect(s.dropped.sampled.info).toBe(0);
      expect(s.backfill?.held.info).toBe(3);
      expect(s.offered.info).toBe(3);
      // Expired by the housekeeping timer, at most one timer period (1 s) after the window.
      await vi.advanceTimersByTimeAsync(2_002);
      s = processor.getStats();
      expect(s.dropped.sampled.info).toBe(3);
      expect(s.backfill).toMatchObject({ held: { total: 0 }, bytes: 0, traces: 0 });
      logger.emit({ severityNumber: SEV.error, body: 'too late', context: t });
      await processor.forceFlush();
      expect(bodies(exporter.records)).toEqual(['too late']);
      expectBalanced(processor.getStats());
    });

    it('should bound each trace, evicting its oldest, counted as backfill_evicted', async () => {
      // 96 bytes + the body's length per record (the queue's estimate): 200 bytes each, 5 fit.
      const { processor, logger, exporter } = setup({
        backfill: { windowMillis: WINDOW, maxBytesPerTrace: 1_000 },
      });
      const t = contextWith(coldTrace());
      const body = (i: number) => `${i}`.padEnd(104, '.');
      for (let i = 0; i < 8; i++)
        logger.emit({ severityNumber: SEV.info, body: body(i), context: t });
      let s = processor.getStats();
      expect(s.dropped.backfill_evicted.info).toBe(3);
      expect(s.backfill).toMatchObject({ held: { info: 5 }, bytes: 1_000 + 128, traces: 1 });
      logger.emit({ severityNumber: SEV.error, body: 'boom', context: t });
      await processor.forceFlush();
      expect(bodies(exporter.records)).toEqual([3, 4, 5, 6, 7].map(body).concat('boom'));
      s = processor.getStats();
      expectBalanced(s);
    });

    it('should bound the total, evicting the oldest records of any trace', () => {
      const maxBytes = 3 * (1_000 + 128);
      const { processor, logger } = setup({
        backfill: { windowMillis: WINDOW, maxBytes, maxBytesPerTrace: 1_000 },
      });
      const body = 'x'.repeat(104);
      const traces = [0, 1, 2, 3].map(() => contextWith(coldTrace()));
      for (const context of traces.slice(0, 3)) {
        for (let i = 0; i < 5; i++) logger.emit({ severityNumber: SEV.info, body, context });
      }
      expect(processor.getStats().backfill?.bytes).toBe(maxBytes);
      // A new trace needs 200 + 128 bytes: the two oldest records (of the first trace) leave.
      logger.emit({ severityNumber: SEV.info, body, context: traces[3] });
      const s = processor.getStats();
      expect(s.dropped.backfill_evicted.info).toBe(2);
      expect(s.backfill).toMatchObject({ held: { info: 14 }, traces: 4 });
      expect(s.backfill!.bytes).toBeLessThanOrEqual(maxBytes);
      expectBalanced(s);
    });

    it('should count a record larger than the per-trace bound as evicted at once', () => {
      const { processor, logger } = setup({
        backfill: { windowMillis: WINDOW, maxBytesPerTrace: 500 },
      });
      logger.emit({
        severityNumber: SEV.info,
        body: 'x'.repeat(500),
        context: contextWith(coldTrace()),
      });
      const s = processor.getStats();
      expect(s.dropped.backfill_evicted.info).toBe(1);
      expect(s.backfill?.held.total).toBe(0);
    });

    it('should still silence what backfill keeps, with the summary', async () => {
      const { processor, logger, exporter, provider } = setup({ traceSilenceAfter: 5 });
      const t = contextWith(coldTrace());
      for (let i = 0; i < 20; i++)
        logger.emit({ severityNumber: SEV.info, body: `i${i}`, context: t });
      logger.emit({ severityNumber: SEV.error, body: 'boom', context: t });
      logger.emit({ severityNumber: SEV.info, body: 'hot', context: t });
      const s = processor.getStats();
      expect(s.backfill?.kept.info).toBe(5);
      expect(s.dropped.silenced.info).toBe(16);
      expectBalanced(s);
      await provider.shutdown();
      const kept = exporter.records.filter(marked);
      expect(bodies(kept)).toEqual(['i0', 'i1', 'i2', 'i3', 'i4']);
      const summary = exporter.records.find((r) => r.eventName === 'spillway.sampling.silenced');
      expect(summary?.attributes['spillway.silenced.count']).toBe(16);
    });

    it('should keep at most maxBytesPerTrace of a runaway hot trace per hot period', () => {
      const { processor, logger } = setup({ traceSilenceAfter: 0 });
      const t = contextWith(coldTrace());
      logger.emit({ severityNumber: SEV.error, body: 'boom', context: t });
      const body = 'w'.repeat(104);
      for (let i = 0; i < 10_000; i++) logger.emit({ severityNumber: SEV.warn, body, context: t });
      const s = processor.getStats();
      // 64 KiB / 200 bytes per record.
      expect(s.backfill?.kept.warn).toBe(Math.floor(65_536 / 200));
      expect(s.dropped.sampled.warn).toBe(10_000 - 327);
      expectBalanced(s);
    });

    it('should release held records on shutdown as sampled, exporting what was kept', async () => {
      const { processor, logger, exporter, provider } = setup();
      const t = contextWith(coldTrace());
      const u = contextWith(coldTrace());
      logger.emit({ severityNumber: SEV.info, body: 'kept', context: t });
      logger.emit({ severityNumber: SEV.info, body: 'held', context: u });
      logger.emit({ severityNumber: SEV.error, body: 'boom', context: t });
      await provider.shutdown();
      expect(bodies(exporter.records)).toEqual(['kept', 'boom']);
      const s = processor.getStats();
      expect(s.dropped.sampled.info).toBe(1);
      expect(s.backfill).toMatchObject({ held: { total: 0 }, bytes: 0, hotTraces: 0 });
      expect(s.exported.total).toBe(2);
    });
  });

  describe('backfill options', () => {
    it('should be off for a window of 0 or a bad one, with a warning for the bad one', () => {
      const warnings: string[] = [];
      diag.setLogger(
        {
          warn: (m: string) => void warnings.push(m),
          error() {},
          info() {},
          debug() {},
          verbose() {},
        },
        DiagLogLevel.WARN,
      );
      try {
        for (const windowMillis of [0, -1, Number.NaN, '10s' as unknown as number]) {
          const { processor, logger } = setup({ backfill: { windowMillis } });
          logger.emit({ severityNumber: SEV.info, body: 'x', context: contextWith(coldTrace()) });
          const s = processor.getStats();
          expect(s.backfill).toBeUndefined();
          expect(s.dropped.sampled.info).toBe(1);
        }
      } finally {
        diag.disable();
      }
      expect(warnings).toHaveLength(3);
      expect(warnings[0]).toContain('backfill.windowMillis must be a number of ms ≥ 0, got -1');
    });

    it('should cap the per-trace bound to the total and replace a bad bound by its default', () => {
      const { processor, logger } = setup({
        backfill: { windowMillis: WINDOW, maxBytes: 1_000, maxBytesPerTrace: 0 },
      });
      logger.emit({
        severityNumber: SEV.info,
        body: 'x'.repeat(700),
        context: contextWith(coldTrace()),
      });
      // The default per-trace bound (64 KiB) capped to 1,000: a record of 796 bytes fits.
      expect(processor.getStats().backfill).toMatchObject({ held: { info: 1 }, maxBytes: 1_000 });
    });
  });

  describe('enabled', () => {
    it('should say yes to traced TRACE–WARN records that might be backfilled, and count nothing', () => {
      const { processor, logger } = setup({ ratios: { debug: 0 } });
      const t = contextWith(coldTrace());
      expect(logger.enabled({ severityNumber: SEV.info, context: t })).toBe(true);
      expect(logger.enabled({ severityNumber: SEV.warn, context: t })).toBe(true);
      expect(logger.enabled({ severityNumber: SEV.trace, context: t })).toBe(true);
      // A class at ratio 0 is never held: still refused cheaply (and counted).
      expect(logger.enabled({ severityNumber: SEV.debug, context: t })).toBe(false);
      // No trace context (here dropped by policy): nothing to backfill.
      expect(logger.enabled({ severityNumber: SEV.info })).toBe(false);
      const s = processor.getStats();
      expect(s.dropped.sampled).toMatchObject({ debug: 1, info: 1, total: 2 });
      expect(s.offered.total).toBe(2);
    });

    it('should say yes for a silenced trace too, and onEmit silences without holding', () => {
      const { processor, logger } = setup({ traceSilenceAfter: 2, ratios: { info: 1 } });
      const t = contextWith(randomSpanContext());
      for (let i = 0; i < 3; i++) logger.emit({ severityNumber: SEV.info, body: 'x', context: t });
      expect(processor.getStats().dropped.silenced.info).toBe(1);
      expect(logger.enabled({ severityNumber: SEV.info, context: t })).toBe(true);
      logger.emit({ severityNumber: SEV.info, body: 'x', context: t });
      const s = processor.getStats();
      expect(s.dropped.silenced.info).toBe(2);
      expect(s.backfill?.held.total).toBe(0);
      expectBalanced(s);
    });

    it('should refuse the same records without backfill', () => {
      const { logger } = setupProvider({ noTraceContext: 'drop' });
      const t = contextWith(coldTrace());
      expect(logger.enabled({ severityNumber: SEV.info, context: t })).toBe(false);
      expect(logger.enabled({ severityNumber: SEV.warn, context: t })).toBe(false);
    });

    it('should hold the record emitted after enabled() said yes, not count it twice', () => {
      const { processor, logger } = setup();
      const t = contextWith(coldTrace());
      if (logger.enabled({ severityNumber: SEV.info, context: t })) {
        logger.emit({ severityNumber: SEV.info, body: 'x', context: t });
      }
      const s = processor.getStats();
      expect(s.backfill?.held.info).toBe(1);
      expect(s.dropped.sampled.total).toBe(0);
      expect(s.offered.info).toBe(1);
    });
  });

  describe('results', () => {
    // The target: 200 traces of 20 INFO records then one ERROR within 1 s, at INFO 0.1%
    // with a 10 s window, keep ≥ 95% of those INFO records; 200 traces without an error keep about
    // the ratio (≤ 1%); held bytes stay within the bound throughout.
    it('should keep ≥ 95% of failing traces’ INFO records and ≤ 1% of the others', async () => {
      const maxBytes = 16 * 2 ** 20;
      const { processor, logger, exporter } = setup({ ratios: { info: 0.001 } });
      const failing = Array.from({ length: 200 }, () => randomSpanContext());
      const passing = Array.from({ length: 200 }, () => randomSpanContext());
      let maxHeld = 0;
      // 10 steps of 100 ms: 2 INFO records of every trace per step; each failing trace's ERROR in
      // the last step of its own second (traces start 5 ms apart), so ERRORs arrive at 200/s.
      for (let step = 0; step < 10 + 10; step++) {
        for (let i = 0; i < 200; i++) {
          const first = Math.floor(i / 20);
          if (step < first || step >= first + 10) continue;
          for (const sc of [failing[i]!, passing[i]!]) {
            const context = contextWith(sc);
            for (let k = 0; k < 2; k++) {
              logger.emit({
                severityNumber: SEV.info,
                body: `GET /orders/${step}${k} 200`,
                context,
              });
            }
          }
          if (step === first + 9) {
            logger.emit({
              severityNumber: SEV.error,
              body: `order ${i} failed`,
              context: contextWith(failing[i]!),
            });
          }
        }
        maxHeld = Math.max(maxHeld, processor.getStats().backfill!.bytes);
        await vi.advanceTimersByTimeAsync(100);
      }
      await vi.advanceTimersByTimeAsync(WINDOW + 2_000);
      await processor.forceFlush();
      const ids = (scs: SpanContext[]) => new Set(scs.map((sc) => sc.traceId));
      const failingIds = ids(failing);
      const passingIds = ids(passing);
      const infoOf = (set: Set<string>) =>
        exporter.records.filter(
          (r) => Number(r.severityNumber) === SEV.info && set.has(r.spanContext?.traceId ?? ''),
        ).length;
      const errors = exporter.records.filter((r) => Number(r.severityNumber) === SEV.error).length;
      expect(errors).toBe(200);
      expect(infoOf(failingIds)).toBeGreaterThanOrEqual(0.95 * 200 * 20);
      // What the ratio itself keeps of the passing traces: every record of a trace above threshold.
      const th = probabilityToThreshold(0.001);
      const aboveThreshold = passing.filter((sc) => isKept(traceIdRandomness(sc.traceId)!, th));
      expect(infoOf(passingIds)).toBe(aboveThreshold.length * 20);
      expect(infoOf(passingIds)).toBeLessThanOrEqual(0.01 * 200 * 20);
      expect(maxHeld).toBeLessThanOrEqual(maxBytes);
      const s = processor.getStats();
      expect(s.backfill?.held.total).toBe(0);
      expectBalanced(s);
    });
  });
});
