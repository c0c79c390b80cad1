import { LoggerProvider, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import {
  emptySubstitutionCounts,
  normalizeLogRecord,
  SEVERITY_CLASSES,
  severityClassOf,
} from '@spillway/record-format';
import { SamplingLogRecordProcessor } from '@spillway/sampling';
import { scaled } from '@spillway/testing';
import * as fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { DiskBufferedLogRecordExporter } from '../src/index';
import { CollectingExporter } from './helpers/collecting-exporter';
import {
  anyValue,
  attributesArb,
  hostileNumber,
  looseSeverity,
  looseText,
} from './helpers/hostile-records';
import { removeTempDirs, tempDir } from './helpers/records';

/*
 * Random `logger.emit` arguments through a real LoggerProvider → SamplingLogRecordProcessor →
 * DiskBufferedLogRecordExporter (real directory) → a collecting exporter. Each emitted record must
 * be delivered or counted by reason in its class; nothing may throw into the app (beyond what the
 * SDK itself throws for the same arguments) or hang. SPILLWAY_FUZZ_RUNS sets the runs (default
 * 100; SPILLWAY_LONG=1: 300, a few seconds; 20000 runs are over 10^5 emits).
 */

afterEach(removeTempDirs);

const RUNS = scaled(100, 300, 'SPILLWAY_FUZZ_RUNS');
const FLUSH_BOUND_MS = 10_000;

// Attributes pass through the SDK's own validation first, which reads every value: a throwing
// Proxy there throws from the SDK before spillway sees the record, so `sdkThrows` tells them apart.
const emitArgs = fc.record(
  {
    severityNumber: looseSeverity,
    severityText: looseText,
    eventName: looseText,
    body: anyValue,
    attributes: attributesArb,
    timestamp: fc.oneof(hostileNumber, fc.constant(undefined), fc.date({ noInvalidDate: false })),
    observedTimestamp: fc.oneof(hostileNumber, fc.constant(undefined)),
  },
  { requiredKeys: [] },
);

/** A bound on a promise, to fail a hang instead of waiting for the test timeout. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([p, bound]).finally(() => clearTimeout(timer));
}

function setup() {
  const down = new CollectingExporter();
  const exporter = new DiskBufferedLogRecordExporter({
    exporter: down,
    directory: tempDir('spillway-fuzz-'),
    fsync: 'never',
    retry: { initialMillis: 10, maxMillis: 20 },
  });
  const processor = new SamplingLogRecordProcessor({
    exporter,
    ratios: { trace: 0.5, debug: 0.5, info: 0.5, warn: 1, error: 1, fatal: 1 },
    scheduledDelayMillis: 5,
  });
  const provider = new LoggerProvider({ processors: [processor] });
  // The same arguments through the SDK alone: what it throws, and the class of the record it
  // builds once normalised (the class every stage must count it in).
  const classes = new Array<number>(6).fill(0);
  const scratch = emptySubstitutionCounts();
  const bare = new LoggerProvider({
    processors: [
      {
        onEmit: (r: ReadableLogRecord) => {
          const n = normalizeLogRecord(r, scratch);
          classes[severityClassOf(n.severityNumber as number | undefined, n.severityText)]!++;
        },
        forceFlush: async () => {},
        shutdown: async () => {},
      },
    ],
  });
  return {
    down,
    exporter,
    processor,
    provider,
    logger: provider.getLogger('fuzz'),
    bareLogger: bare.getLogger('fuzz'),
    classes,
  };
}

describe('logger.emit fuzz', () => {
  it(
    `should deliver or count every record of ${RUNS} runs of random emit arguments`,
    async () => {
      const { down, exporter, processor, provider, logger, bareLogger, classes } = setup();
      let emitted = 0;
      let sdkThrows = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(emitArgs, { minLength: 1, maxLength: 10 }), async (batch) => {
          for (const args of batch) {
            let bareError: unknown;
            try {
              bareLogger.emit(args as never);
            } catch (err) {
              bareError = err;
            }
            if (bareError !== undefined) {
              sdkThrows++;
              continue;
            }
            logger.emit(args as never); // a throw here fails the property: spillway threw
            emitted++;
          }
          await within(provider.forceFlush(), FLUSH_BOUND_MS, 'forceFlush');
        }),
        { numRuns: RUNS },
      );
      await within(exporter.forceFlush(), FLUSH_BOUND_MS, 'exporter.forceFlush');
      const wal = exporter.getStats();
      await down.waitFor(
        () =>
          down.records.length ===
          wal.recordsAccepted - sum(Object.values(wal.dropped).map((d) => d.total)),
      );
      const s = processor.getStats();
      // Every record the SDK hands on (it drops a negative severityNumber itself, below its minimum
      // severity) is offered in the class of its normalised form.
      expect(SEVERITY_CLASSES.map((c) => s.offered[c])).toEqual(classes);
      expect(sum(classes)).toBeLessThanOrEqual(emitted);
      for (const c of SEVERITY_CLASSES) {
        const policyDrops =
          s.dropped.sampled[c] + s.dropped.rate_limited[c] + s.dropped.silenced[c];
        expect(s.kept[c] + policyDrops).toBe(s.offered[c]);
        // Kept records all reached the exporter: none lost to a hostile neighbour.
        expect(s.exported[c]).toBe(s.kept[c] - s.dropped.queue_full[c]);
        expect(s.dropped.export_failed[c]).toBe(0);
      }
      expect(wal.recordsAccepted).toBe(sum(SEVERITY_CLASSES.map((c) => s.exported[c])));
      expect(wal.dropped.corrupt.total).toBe(0);
      expect(wal.corruptFrames).toBe(0);
      expect(wal.recordsPending).toBe(0);
      expect(down.records.length).toBe(wal.recordsDelivered);
      console.log(
        `emit fuzz: ${RUNS} runs, ${emitted} emits (${sdkThrows} thrown and ` +
          `${emitted - sum(classes)} dropped by the SDK itself), ` +
          `${down.records.length} delivered, substituted ${JSON.stringify(s.substitutedValues)}`,
      );
      await provider.shutdown();
    },
    Math.max(60_000, RUNS * 100),
  ); // the long mode runs for minutes
});

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
