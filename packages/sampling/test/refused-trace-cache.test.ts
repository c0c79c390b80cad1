import {
  type Context,
  createTraceState,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import type { LogRecordProcessor } from '@opentelemetry/sdk-logs';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { SamplingLogRecordProcessor } from '@spillway/sampling';
import { describe, expect, it } from 'vitest';
import { TraceRandomnessReader } from '../src/internal/trace-randomness';
import { CollectingExporter, SEV, setupProvider } from './helpers';

// enabled() remembers, per class, the context it last refused by its trace's threshold
// (src/internal/refused-trace-cache.ts): the next ask in that context and class is refused without
// reading the span again. These tests see the decision path through a span whose spanContext()
// counts its calls: the decider reads it once per decision.

// R = 0 (low 56 bits of the id all zero): below every threshold but that of ratio 1.
const LOW = '4bf92f3577b34da6a3' + '0'.repeat(14);
// R = 2^56 − 1: above every threshold.
const HIGH = '4bf92f3577b34da6a3' + 'f'.repeat(14);

function countingContext(sc: SpanContext): { ctx: Context; reads: () => number } {
  let reads = 0;
  const span = trace.wrapSpanContext(sc);
  const counting = Object.create(span) as Span;
  counting.spanContext = () => {
    reads++;
    return sc;
  };
  return { ctx: trace.setSpan(ROOT_CONTEXT, counting), reads: () => reads };
}

const spanContextOf = (traceId: string): SpanContext => ({
  traceId,
  spanId: '00f067aa0ba902b7',
  traceFlags: TraceFlags.SAMPLED,
});

describe('SamplingLogRecordProcessor.enabled: a refused trace remembered', () => {
  it('should refuse the next records of a refused context without deciding again, each counted', () => {
    const processor = new SamplingLogRecordProcessor({
      exporter: new CollectingExporter(),
      ratios: { info: 0.5 },
    });
    const { ctx, reads } = countingContext(spanContextOf(LOW));
    for (let i = 0; i < 3; i++) {
      expect(processor.enabled({ severityNumber: SEV.info, context: ctx })).toBe(false);
    }
    expect(reads()).toBe(1);
    expect(processor.getStats().dropped.sampled.info).toBe(3);
  });

  it('should decide again after any policy update, and keep a context a raised ratio admits', () => {
    const processor = new SamplingLogRecordProcessor({
      exporter: new CollectingExporter(),
      ratios: { info: 0.5 },
    });
    const { ctx, reads } = countingContext(spanContextOf(LOW));
    expect(processor.enabled({ severityNumber: SEV.info, context: ctx })).toBe(false);
    // An update that leaves the info ratio as it was still empties the cache.
    processor.updatePolicy({ ratios: { warn: 0.5 } });
    expect(processor.enabled({ severityNumber: SEV.info, context: ctx })).toBe(false);
    expect(reads()).toBe(2);
    processor.updatePolicy({ ratios: { info: 1 } });
    expect(processor.enabled({ severityNumber: SEV.info, context: ctx })).toBe(true);
    expect(reads()).toBe(3);
    expect(processor.getStats().dropped.sampled.info).toBe(2);
  });

  it('should remember per class: another class of the same context is decided on its own', () => {
    const processor = new SamplingLogRecordProcessor({
      exporter: new CollectingExporter(),
      ratios: { info: 0.5, warn: 1 },
    });
    const { ctx } = countingContext(spanContextOf(LOW));
    expect(processor.enabled({ severityNumber: SEV.info, context: ctx })).toBe(false);
    expect(processor.enabled({ severityNumber: SEV.warn, context: ctx })).toBe(true);
    expect(processor.enabled({ severityNumber: SEV.info, context: ctx })).toBe(false);
    expect(processor.enabled({ severityNumber: SEV.error, context: ctx })).toBe(true);
    const dropped = processor.getStats().dropped.sampled;
    expect([dropped.info, dropped.warn, dropped.error]).toEqual([2, 0, 0]);
  });

  it("should decide again when the span context's trace state was replaced", () => {
    const processor = new SamplingLogRecordProcessor({
      exporter: new CollectingExporter(),
      ratios: { info: 0.5 },
    });
    const sc = spanContextOf(LOW);
    const { ctx, reads } = countingContext(sc);
    expect(processor.enabled({ severityNumber: SEV.info, context: ctx })).toBe(false);
    // Meant to be immutable, not frozen: an rv of all ones now sets R above the threshold.
    sc.traceState = createTraceState('ot=rv:ffffffffffffff');
    expect(processor.enabled({ severityNumber: SEV.info, context: ctx })).toBe(true);
    expect(reads()).toBe(2);
  });

  it('should not remember a silencing refusal (it ends when its trace expires)', () => {
    const { processor, logger } = setupProvider({ ratios: { info: 1 }, traceSilenceAfter: 1 });
    const { ctx, reads } = countingContext(spanContextOf(HIGH));
    logger.emit({ severityNumber: SEV.info, body: 'kept', context: ctx });
    const before = reads();
    expect(processor.enabled({ severityNumber: SEV.info, context: ctx })).toBe(false);
    expect(processor.enabled({ severityNumber: SEV.info, context: ctx })).toBe(false);
    expect(reads() - before).toBe(2);
    expect(processor.getStats().dropped.silenced.info).toBe(2);
  });

  it('should drop in onEmit a record refused from the cache, counted once, when another processor says yes', async () => {
    const alwaysYes: LogRecordProcessor = {
      enabled: () => true,
      onEmit() {},
      forceFlush: async () => {},
      shutdown: async () => {},
    };
    const exporter = new CollectingExporter();
    const processor = new SamplingLogRecordProcessor({ exporter, ratios: { info: 0.5 } });
    const provider = new LoggerProvider({ processors: [processor, alwaysYes] });
    const logger = provider.getLogger('cache-test');
    const { ctx } = countingContext(spanContextOf(LOW));
    for (let i = 0; i < 4; i++)
      logger.emit({ severityNumber: SEV.info, body: `r${i}`, context: ctx });
    await processor.forceFlush();
    const s = processor.getStats();
    expect(exporter.records).toHaveLength(0);
    expect([s.offered.info, s.kept.info, s.dropped.sampled.info]).toEqual([4, 0, 4]);
  });
});

describe('TraceRandomnessReader', () => {
  it('should read again a span context whose trace id changed since it was last read', () => {
    const reader = new TraceRandomnessReader();
    const a = spanContextOf(LOW);
    const b = spanContextOf(HIGH);
    expect(reader.read(a)).toBe(true);
    expect([reader.hi, reader.lo]).toEqual([0, 0]);
    expect(reader.read(b)).toBe(true);
    expect(reader.read(a)).toBe(true);
    expect([reader.hi, reader.lo]).toEqual([0, 0]);
    a.traceId = HIGH;
    expect(reader.read(a)).toBe(true);
    expect([reader.hi, reader.lo]).toEqual([2 ** 24 - 1, 2 ** 32 - 1]);
    a.traceId = '0'.repeat(32);
    expect(reader.read(a)).toBe(false);
  });
});
