import { PerformanceObserver } from 'node:perf_hooks';
import { type Context, ROOT_CONTEXT, type SpanContext } from '@opentelemetry/api';
import { LoggerProvider, type ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import {
  probabilityToThreshold,
  SamplingLogRecordProcessor,
  traceIdRandomness,
} from '@spillway/sampling';
import { describe, expect, it } from 'vitest';
import { CollectingExporter, contextWith, randomSpanContext, SEV } from './helpers';

// A decision that allocated even 16 bytes (one boxed number, e.g. a Date.now() per record) fills the
// young generation about once per million calls: five million calls cost about eight scavenges
// (measured with the clock read per record). Allocation-free, the loop sees at most the odd
// collection from elsewhere in the process.
const CALLS = 5_000_000;
const MAX_GCS = 3;

async function gcsDuring(loop: () => void): Promise<number> {
  let gcs = 0;
  const observer = new PerformanceObserver((list) => {
    gcs += list.getEntries().length;
  });
  observer.observe({ entryTypes: ['gc'] });
  loop();
  // GC entries are delivered asynchronously, in a later turn.
  await new Promise((resolve) => setTimeout(resolve, 50));
  observer.disconnect();
  return gcs;
}

const RATIOS = { trace: 0.01, debug: 0.01, info: 0.01, warn: 0.01, error: 0.01 };

// Span contexts whose trace falls below the 1% threshold: every decision is a drop.
function droppedContexts(n: number): SpanContext[] {
  const t = probabilityToThreshold(0.01);
  const out: SpanContext[] = [];
  while (out.length < n) {
    const sc = randomSpanContext();
    if (traceIdRandomness(sc.traceId)! < t) out.push(sc);
  }
  return out;
}

describe('SamplingLogRecordProcessor', () => {
  describe('enabled', () => {
    it('should decide without allocating, rate-limited classes and records without trace included', async () => {
      const processor = new SamplingLogRecordProcessor({
        exporter: new CollectingExporter(),
        ratios: RATIOS,
        rateLimits: { info: 1000, warn: 1000, error: 200 },
      });
      const contexts: Context[] = droppedContexts(60).map(contextWith);
      contexts.push(ROOT_CONTEXT);
      const asks = Array.from({ length: 1024 }, (_, i) => ({
        context: contexts[i % contexts.length]!,
        severityNumber: [SEV.debug, SEV.info, SEV.warn, SEV.error][i % 4]!,
      }));
      const loop = () => {
        for (let i = 0; i < CALLS; i++) processor.enabled(asks[i & 1023]!);
      };
      loop(); // JIT warm-up
      expect(await gcsDuring(loop)).toBeLessThanOrEqual(MAX_GCS);
      expect(processor.getStats().dropped.sampled.total).toBeGreaterThan(CALLS);
    });
  });

  describe('onEmit', () => {
    it('should decide a dropped record without allocating', async () => {
      const processor = new SamplingLogRecordProcessor({
        exporter: new CollectingExporter(),
        ratios: RATIOS,
        noTraceContext: 'drop',
        rateLimits: { info: 1000, warn: 1000, error: 200 },
      });
      // Real SDK records, built once through a provider with a capturing processor.
      const records: ReadWriteLogRecord[] = [];
      const capture = new LoggerProvider({
        processors: [
          { onEmit: (r) => records.push(r), forceFlush: async () => {}, shutdown: async () => {} },
        ],
      }).getLogger('capture');
      const contexts = droppedContexts(60).map(contextWith);
      for (let i = 0; i < 1024; i++) {
        capture.emit({
          severityNumber: [SEV.debug, SEV.info, SEV.warn, SEV.error][i % 4]!,
          body: `record ${i}`,
          attributes: { i },
          context: i % 10 === 0 ? ROOT_CONTEXT : contexts[i % contexts.length]!,
        });
      }
      const loop = () => {
        for (let i = 0; i < CALLS; i++) processor.onEmit(records[i & 1023]!);
      };
      loop();
      expect(await gcsDuring(loop)).toBeLessThanOrEqual(MAX_GCS);
      expect(processor.getStats().kept.total).toBe(0);
    });
  });
});
