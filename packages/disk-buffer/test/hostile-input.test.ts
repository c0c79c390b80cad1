import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { LoggerProvider, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import {
  CYCLIC,
  emptySubstitutionCounts,
  normalizeLogRecord,
  type SubstitutionCounts,
} from '@spillway/record-format';
import { SamplingLogRecordProcessor } from '@spillway/sampling';
import * as fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { DiskBufferedLogRecordExporter } from '../src/index';
import { CollectingExporter } from './helpers/collecting-exporter';
import { comparable, hostileRecord } from './helpers/hostile-records';
import { removeTempDirs, tempDir } from './helpers/records';

afterEach(removeTempDirs);

function setup() {
  const down = new CollectingExporter();
  const exporter = new DiskBufferedLogRecordExporter({
    exporter: down,
    directory: tempDir('spillway-hostile-'),
    fsync: 'never',
    retry: { initialMillis: 10, maxMillis: 20 },
  });
  const processor = new SamplingLogRecordProcessor({
    exporter,
    keepAll: true,
    traceSilenceAfter: 0,
    scheduledDelayMillis: 5,
  });
  const provider = new LoggerProvider({ processors: [processor] });
  const logger = provider.getLogger('hostile-input');
  const exportNow = (records: ReadableLogRecord[]) =>
    new Promise<ExportResult>((resolve) => exporter.export(records, resolve));
  return { down, exporter, processor, provider, logger, exportNow };
}

function cyclicBody(): Record<string, unknown> {
  const o: Record<string, unknown> = { a: 1 };
  o.self = o;
  return o;
}

function deepBody(levels: number): unknown {
  let v: unknown = 'leaf';
  for (let i = 0; i < levels; i++) v = { next: v };
  return v;
}

const throwingProxy = () =>
  new Proxy(
    {},
    {
      ownKeys() {
        throw new TypeError('ownKeys');
      },
    },
  );

describe('DiskBufferedLogRecordExporter', () => {
  describe('hostile input through the pipeline', () => {
    it('should keep running after severityNumber Infinity and 2**40 (no endless varint)', async () => {
      const { down, provider, logger, exporter, processor } = setup();
      logger.emit({ severityNumber: Number.POSITIVE_INFINITY, body: 'inf' });
      logger.emit({ severityNumber: (2 ** 40) as never, body: 'big', attributes: { n: 2 ** 40 } });
      for (let i = 0; i < 10; i++) logger.emit({ severityNumber: 9, body: `after ${i}` });
      await provider.forceFlush();
      await down.waitFor(() => down.records.length === 12);
      expect(down.records.map((r) => r.severityNumber)).toEqual([0, 0, ...new Array(10).fill(9)]);
      expect(down.records.slice(0, 2).map((r) => r.severityText)).toEqual([
        'Infinity',
        '1099511627776',
      ]);
      expect(down.records[1]!.attributes.n).toBe(2 ** 40);
      // Counted once, where they were normalised (the processor); the WAL trusts its mark.
      expect(processor.getStats().substitutedValues.number).toBe(2);
      expect(exporter.getStats().substitutedValues.number).toBe(0);
      await provider.shutdown();
    });

    it('should write a FATAL record with a cyclic or 10k-deep body through with the 5 queued before it', async () => {
      const { down, provider, logger, exporter, processor } = setup();
      for (let i = 0; i < 5; i++) logger.emit({ severityNumber: 9, body: `queued ${i}` });
      logger.emit({ severityNumber: 21, body: cyclicBody() as never });
      for (let i = 0; i < 5; i++) logger.emit({ severityNumber: 9, body: `queued again ${i}` });
      logger.emit({ severityNumber: 24, body: deepBody(10_000) as never });
      // Written through synchronously: in the WAL before emit returned.
      expect(exporter.getStats().recordsAccepted).toBe(12);
      await provider.forceFlush();
      await down.waitFor(() => down.records.length === 12);
      expect(down.records[5]!.body).toEqual({ a: 1, self: CYCLIC });
      expect(down.records.map((r) => r.severityNumber)).toEqual([
        9, 9, 9, 9, 9, 21, 9, 9, 9, 9, 9, 24,
      ]);
      expect(processor.getStats().exported.fatal).toBe(2);
      expect(processor.getStats().substitutedValues).toMatchObject({ cyclic: 1, depth_limit: 1 });
      await provider.shutdown();
    });

    it('should deliver records with non-string eventName and severityText, none counted corrupt', async () => {
      const { down, provider, logger, exporter, processor } = setup();
      logger.emit({ severityNumber: 9, eventName: 42 as never, body: 'event' });
      logger.emit({ severityNumber: 13, severityText: 404 as never, body: 'numeric text' });
      logger.emit({ severityText: { toString: () => 'error' } as never, body: 'object text' });
      logger.emit({ severityNumber: 9, body: 'neighbour' });
      await provider.forceFlush();
      await down.waitFor(() => down.records.length === 4);
      expect(down.records.map((r) => [r.eventName, r.severityText])).toEqual([
        ['42', undefined],
        [undefined, '404'],
        [undefined, 'error'],
        [undefined, undefined],
      ]);
      const stats = exporter.getStats();
      expect(stats.dropped.corrupt.total).toBe(0);
      expect(stats.corruptFrames).toBe(0);
      expect(processor.getStats().exported).toMatchObject({ info: 2, warn: 1, error: 1 });
      await provider.shutdown();
    });

    it('should not let a cyclic, deep or throwing-Proxy body cost the 512 records of its batch', async () => {
      const { down, provider, logger, processor } = setup();
      const bodies = [cyclicBody(), deepBody(10_000), throwingProxy()];
      for (let i = 0; i < 512; i++) {
        logger.emit({
          severityNumber: 9,
          body: (i % 100 === 7 ? bodies[i % 3] : `ok ${i}`) as never,
        });
      }
      await provider.forceFlush();
      await down.waitFor(() => down.records.length === 512);
      expect(processor.getStats().dropped.export_failed.info).toBe(0);
      expect(down.records[207]!.body).toEqual({ a: 1, self: CYCLIC });
      expect(down.records[107]!.body).toBe('[unreadable: TypeError]');
      expect(
        down.records.filter((r) => typeof r.body === 'string' && r.body.startsWith('ok ')).length,
      ).toBe(506);
      await provider.shutdown();
    });
  });

  describe('export', () => {
    // Encode, then read back: every record the WAL acknowledges decodes to its normalised form.
    it('should read back exactly the normalised record for any input, nothing counted corrupt', async () => {
      const { down, exporter, exportNow } = setup();
      const runs = Number(process.env.SPILLWAY_FUZZ_RUNS ?? 150);
      let delivered = 0;
      const scratch: SubstitutionCounts = emptySubstitutionCounts();
      await fc.assert(
        fc.asyncProperty(
          fc.array(hostileRecord, { minLength: 1, maxLength: 8 }),
          async (records) => {
            const expected = records.map((r) => comparable(normalizeLogRecord(r, scratch)));
            const result = await exportNow(records);
            expect(result.code).toBe(ExportResultCode.SUCCESS);
            delivered += records.length;
            await exporter.forceFlush();
            await down.waitFor(() => down.records.length === delivered);
            expect(down.records.slice(delivered - records.length).map(comparable)).toEqual(
              expected,
            );
          },
        ),
        { numRuns: Math.min(runs, 2000) },
      );
      const stats = exporter.getStats();
      expect(stats.dropped.corrupt.total).toBe(0);
      expect(stats.corruptFrames).toBe(0);
      expect(stats.recordsDelivered).toBe(delivered);
      await exporter.shutdown();
    });
  });
});
