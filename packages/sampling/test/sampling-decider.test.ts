import { ROOT_CONTEXT, TraceFlags } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, type LogRecordProcessor } from '@opentelemetry/sdk-logs';
import {
  type NoTraceContextPolicy,
  SamplingLogRecordProcessor,
  type SamplingStats,
} from '@spillway/sampling';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CollectingExporter, contextWith, SEV } from './helpers';

// One decision serves enabled() and onEmit (src/internal/sampling-decider.ts). These tests put our
// processor first and, after it, one whose enabled() always says yes: the SDK then asks our
// enabled() and calls our onEmit for every record, whatever our enabled() said — the case where a
// refusal could be counted twice, or onEmit could decide otherwise.
const alwaysYes: LogRecordProcessor = {
  enabled: () => true,
  onEmit() {},
  forceFlush: async () => {},
  shutdown: async () => {},
};

function setup(options: ConstructorParameters<typeof SamplingLogRecordProcessor>[0]) {
  const processor = new SamplingLogRecordProcessor(options);
  const answers: boolean[] = [];
  const enabled = processor.enabled.bind(processor);
  processor.enabled = (o) => {
    const yes = enabled(o);
    answers.push(yes);
    return yes;
  };
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'decider-test' }),
    processors: [processor, alwaysYes],
  });
  return { processor, answers, provider, logger: provider.getLogger('decider-test') };
}

function totals(s: SamplingStats): { offered: number; kept: number; dropped: number } {
  const d = s.dropped;
  const dropped = d.sampled.total + d.rate_limited.total + d.silenced.total + d.queue_full.total;
  return { offered: s.offered.total, kept: s.kept.total, dropped };
}

const hex = (n: number, digits: number) => n.toString(16).padStart(digits, '0').slice(-digits);

const ratio = fc.constantFrom(0, 0.01, 0.1, 0.5, 1);
const policy = fc.record({
  ratios: fc.record({ trace: ratio, debug: ratio, info: ratio, warn: ratio, error: ratio }),
  noTraceContext: fc.constantFrom<NoTraceContextPolicy>('random', 'keep', 'drop', {
    attribute: 'session.id',
  }),
  traceSilenceAfter: fc.constantFrom(0, 1, 3),
});
// Severity numbers 1–24 and what is not one (unspecified, out of range, a fraction, none).
const severity = fc.oneof(
  { arbitrary: fc.integer({ min: 1, max: 24 }), weight: 8 },
  { arbitrary: fc.constantFrom(0, 25, 9.5, undefined), weight: 1 },
);
const emit = fc.record({
  severity,
  // A trace of a small set (so silencing and repeats happen), none, or an invalid span context.
  trace: fc.oneof(
    { arbitrary: fc.integer({ min: 0, max: 5 }), weight: 6 },
    { arbitrary: fc.constantFrom('none', 'invalid'), weight: 2 },
  ),
  session: fc.constantFrom('s1', 's2', 's3'),
});

describe('SamplingLogRecordProcessor', () => {
  describe('enabled and onEmit', () => {
    it('should drop in onEmit every record enabled() refused, counting it exactly once', () => {
      fc.assert(
        fc.property(
          policy,
          fc.array(fc.integer({ min: 1, max: 2 ** 31 - 1 }), { minLength: 6, maxLength: 6 }),
          fc.array(emit, { minLength: 1, maxLength: 120 }),
          (p, seeds, emits) => {
            const { processor, answers, provider, logger } = setup({
              exporter: new CollectingExporter(),
              ...p,
              rateLimits: { warn: 0, error: 0 },
            });
            const contexts = seeds.map((s, i) =>
              contextWith({
                traceId: `${hex(s, 8)}${hex(s * 7 + i, 8)}${hex(s * 13, 8)}${hex(s * 31 + 1, 8)}`,
                spanId: `${hex(s, 8)}${hex(i + 1, 8)}`,
                traceFlags: TraceFlags.SAMPLED,
              }),
            );
            const invalid = contextWith({
              traceId: '0'.repeat(32),
              spanId: '0'.repeat(16),
              traceFlags: TraceFlags.SAMPLED,
            });
            let before = totals(processor.getStats());
            for (const e of emits) {
              const context =
                e.trace === 'none'
                  ? ROOT_CONTEXT
                  : e.trace === 'invalid'
                    ? invalid
                    : contexts[e.trace]!;
              answers.length = 0;
              logger.emit({
                severityNumber: e.severity as number | undefined as never,
                body: 'b',
                attributes: { 'session.id': e.session },
                context,
              });
              const after = totals(processor.getStats());
              // Asked once, decided once, counted once: offered, and kept or dropped, by one each.
              expect(answers).toHaveLength(1);
              expect(after.offered - before.offered).toBe(1);
              expect(after.kept - before.kept + after.dropped - before.dropped).toBe(1);
              if (!answers[0]) expect(after.kept).toBe(before.kept);
              // Without rate limits enabled() is exact — yes means kept — for a known class,
              // except in attribute mode for a record without trace context (it cannot see the
              // attribute).
              const known = Number.isInteger(e.severity) && e.severity! >= 1 && e.severity! <= 24;
              const traced = e.trace !== 'none' && e.trace !== 'invalid';
              if (answers[0] && known && (typeof p.noTraceContext !== 'object' || traced)) {
                expect(after.kept).toBe(before.kept + 1);
              }
              before = after;
            }
            void provider.shutdown();
          },
        ),
        { numRuns: 150, seed: 1306 },
      );
    });

    it('should count a refusal once when the SDK asks and then calls onEmit for the same record', async () => {
      const { processor, answers, provider, logger } = setup({
        exporter: new CollectingExporter(),
        ratios: { debug: 0 },
        noTraceContext: 'drop',
      });
      const context = contextWith({
        traceId: '0af7651916cd43dd8448eb211c80319c',
        spanId: 'b7ad6b7169203331',
        traceFlags: TraceFlags.SAMPLED,
      });
      for (let i = 0; i < 5; i++) logger.emit({ severityNumber: SEV.debug, body: 'd', context });
      for (let i = 0; i < 3; i++) logger.emit({ severityNumber: SEV.info, body: 'no trace' });
      expect(answers).toEqual([false, false, false, false, false, false, false, false]);
      const s = processor.getStats();
      expect(s.offered.debug).toBe(5);
      expect(s.dropped.sampled.debug).toBe(5);
      expect(s.offered.info).toBe(3);
      expect(s.dropped.sampled.info).toBe(3);
      expect(s.kept.total).toBe(0);
      await provider.shutdown();
    });

    it('should decide again (and count) a record onEmit gets after enabled() refused a different one', async () => {
      const { processor, provider, logger } = setup({
        exporter: new CollectingExporter(),
        ratios: { debug: 0 },
      });
      // The user asks about DEBUG (refused, counted), then emits an ERROR: that is a new record.
      expect(logger.enabled({ severityNumber: SEV.debug, context: ROOT_CONTEXT })).toBe(true);
      expect(processor.enabled({ severityNumber: SEV.debug, context: ROOT_CONTEXT })).toBe(false);
      logger.emit({ severityNumber: SEV.error, body: 'e', context: ROOT_CONTEXT });
      const s = processor.getStats();
      expect(s.dropped.sampled.debug).toBe(2);
      expect(s.kept.error).toBe(1);
      expect(s.offered.total).toBe(3);
      await provider.shutdown();
    });
  });
});
