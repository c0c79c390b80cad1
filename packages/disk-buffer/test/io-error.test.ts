import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { severityClassName, severityClassOf } from '@spillway/record-format';
import { afterEach, describe, expect, it } from 'vitest';
import { DiskBufferedLogRecordExporter } from '../src/index';
import { walIo } from '../src/internal/wal-segment';
import type { DiskBufferOptions, DiskBufferStats } from '../src/types';
import { CollectingExporter } from './helpers/collecting-exporter';
import { generatedRecords, removeTempDirs, tempDir } from './helpers/records';

// A failed WAL write or sync loses the records it held: counted `disk_full` only when the disk or
// quota is full (ENOSPC, EDQUOT), `io_error` for any other errno (a failing disk). The failures
// are injected through `walIo`, the WAL's file calls; the files themselves are real.

const real = { ...walIo };

afterEach(() => {
  Object.assign(walIo, real);
  removeTempDirs();
});

/** An error as node:fs throws it. */
function errno(code: string, syscall: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected, ${syscall}`), { code, syscall });
}

const NO_DROPS = { trace: 0, debug: 0, info: 0, warn: 0, error: 0, fatal: 0, unknown: 0, total: 0 };

/** The `dropped` entry the stats must show when exactly `records` are lost. */
function classesOf(records: ReadableLogRecord[]): typeof NO_DROPS {
  const out = { ...NO_DROPS };
  for (const r of records) {
    out[severityClassName(severityClassOf(r.severityNumber as number, r.severityText))]++;
    out.total++;
  }
  return out;
}

/**
 * Every record given to the buffer is delivered, pending or dropped; those lost to a failed write
 * were refused (called back FAILED), so they are dropped and not accepted (README, "Guarantees").
 */
function expectAccountedFor(s: DiskBufferStats, given: number, refused: number): void {
  const dropped = Object.values(s.dropped).reduce((n, c) => n + c.total, 0);
  expect({ given, accepted: s.recordsAccepted }).toEqual({
    given: s.recordsDelivered + s.recordsPending + dropped,
    accepted: given - refused,
  });
}

function setup(opts: Partial<DiskBufferOptions> = {}) {
  const down = new CollectingExporter();
  const exporter = new DiskBufferedLogRecordExporter({
    exporter: down,
    directory: tempDir(),
    fsync: 'always',
    retry: { initialMillis: 5, maxMillis: 20 },
    shutdownTimeoutMillis: 100,
    ...opts,
  });
  const send = (records: ReadableLogRecord[]) =>
    new Promise<{ code: number; error?: Error }>((r) => exporter.export(records, r));
  return { down, exporter, send };
}

describe('DiskBufferedLogRecordExporter', () => {
  describe('io errors', () => {
    it("should fail the export and count its records io_error when fdatasync throws EIO under 'always'", async () => {
      class Reader extends MetricReader {
        protected override async onShutdown(): Promise<void> {}
        protected override async onForceFlush(): Promise<void> {}
      }
      const reader = new Reader({
        aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE,
      });
      const meterProvider = new MeterProvider({ readers: [reader] });
      const { down, exporter, send } = setup({ meterProvider });
      let syncs = 0;
      walIo.fdatasync = async () => {
        syncs++;
        throw errno('EIO', 'fdatasync');
      };
      const lost = generatedRecords(40, 0);
      const result = await send(lost);
      expect(syncs).toBeGreaterThan(0);
      expect(result.code).toBe(1);
      expect((result.error as NodeJS.ErrnoException).code).toBe('EIO');
      let s = exporter.getStats();
      expect(s.dropped.io_error).toEqual(classesOf(lost));
      expect(s.dropped.disk_full).toEqual(NO_DROPS);
      expect(s.recordsAccepted).toBe(0);
      expect(s.lastError?.message).toContain('EIO: injected, fdatasync');
      expectAccountedFor(s, 40, 40);

      const { resourceMetrics } = await reader.collect();
      const points = resourceMetrics.scopeMetrics
        .flatMap((m) => m.metrics)
        .filter((m) => m.descriptor.name === 'spillway.log_record.dropped')
        .flatMap(
          (m): ReadonlyArray<{ attributes: Record<string, unknown>; value: unknown }> =>
            m.dataPoints,
        );
      const byReason = (reason: string) =>
        points
          .filter((p) => p.attributes['error.type'] === reason)
          .reduce((n, p) => n + (p.value as number), 0);
      expect(byReason('io_error')).toBe(40);
      expect(byReason('disk_full')).toBe(0);

      // Restored: the next records go to a fresh segment and are delivered; the lost ones are not.
      Object.assign(walIo, real);
      const later = generatedRecords(25, 40);
      expect((await send(later)).code).toBe(0);
      await down.waitFor(() => exporter.getStats().recordsPending === 0);
      await exporter.forceFlush();
      expect(down.ids()).toEqual(later.map((r) => r.attributes['test.id']));
      s = exporter.getStats();
      expect(s.recordsAccepted).toBe(25);
      expect(s.recordsDelivered).toBe(25);
      expect(s.dropped.io_error).toEqual(classesOf(lost));
      expect(s.dropped.disk_full).toEqual(NO_DROPS);
      expectAccountedFor(s, 65, 40);
      await exporter.shutdown();
      await meterProvider.shutdown();
    });

    it("should not deliver records whose fdatasync then fails under 'always' (they are counted io_error)", async () => {
      const { down, exporter, send } = setup();
      // A first batch is synced and delivered slowly, so the sender is between batches while the
      // second one's sync is in flight; that sync answers late (the sender has every chance to
      // take the frame meanwhile, from memory or from the file) and fails. A frame is readable
      // only once synced.
      down.latencyMs = 5;
      const first = generatedRecords(10, 0);
      expect((await send(first)).code).toBe(0);
      walIo.fdatasync = async () => {
        // Until the first batch is delivered, then a few turns more for the sender to look again.
        await down.waitFor(() => down.records.length >= first.length);
        for (let turns = 0; turns < 200 && down.exports <= 1; turns++) {
          await new Promise<void>((r) => setImmediate(r));
        }
        throw errno('EIO', 'fdatasync');
      };
      const lost = generatedRecords(40, 10);
      expect((await send(lost)).code).toBe(1);
      Object.assign(walIo, real);
      const later = generatedRecords(25, 50);
      expect((await send(later)).code).toBe(0);
      await down.waitFor(() => exporter.getStats().recordsPending === 0);
      expect(down.ids()).toEqual([...first, ...later].map((r) => r.attributes['test.id']));
      const s = exporter.getStats();
      expect(s.dropped.io_error).toEqual(classesOf(lost));
      expect(s.recordsDelivered).toBe(35);
      expectAccountedFor(s, 75, 40);
      await exporter.shutdown();
    });

    it.each([
      ['ENOSPC', 'disk_full', 'io_error'],
      ['EDQUOT', 'disk_full', 'io_error'],
      ['EIO', 'io_error', 'disk_full'],
      ['EROFS', 'io_error', 'disk_full'],
      ['EBADF', 'io_error', 'disk_full'],
    ] as const)(
      'should count the records %s as %s when the write throws it, then deliver the next',
      async (code, reason, other) => {
        const { down, exporter, send } = setup();
        walIo.writev = (async () => {
          throw errno(code, 'writev');
        }) as unknown as typeof walIo.writev;
        const lost = generatedRecords(30, 0);
        const result = await send(lost);
        expect(result.code).toBe(1);
        expect((result.error as NodeJS.ErrnoException).code).toBe(code);
        const s = exporter.getStats();
        expect(s.dropped[reason]).toEqual(classesOf(lost));
        expect(s.dropped[other]).toEqual(NO_DROPS);
        expect(s.lastError?.message).toContain(`${code}: injected, writev`);
        expectAccountedFor(s, 30, 30);
        Object.assign(walIo, real);
        expect((await send(generatedRecords(5, 30))).code).toBe(0);
        await down.waitFor(() => down.records.length === 5);
        expect(down.ids()).toEqual([30, 31, 32, 33, 34]);
        expectAccountedFor(exporter.getStats(), 35, 30);
        await exporter.shutdown();
      },
    );
  });

  describe('exportSync', () => {
    it.each(['always', 'never'] as const)(
      'should count the records io_error when its write throws EIO, then write and deliver the next (fsync %s)',
      async (fsync) => {
        const { down, exporter } = setup({ fsync });
        exporter.exportSync(generatedRecords(3, 0)); // the segment exists: only the frame is written
        walIo.writeSync = (() => {
          throw errno('EIO', 'write');
        }) as typeof walIo.writeSync;
        const lost = generatedRecords(12, 3);
        expect(() => exporter.exportSync(lost)).not.toThrow();
        let s = exporter.getStats();
        expect(s.dropped.io_error).toEqual(classesOf(lost));
        expect(s.dropped.disk_full).toEqual(NO_DROPS);
        expect(s.recordsAccepted).toBe(3);
        expect(s.lastError?.message).toContain('EIO: injected, write');
        expectAccountedFor(s, 15, 12);
        Object.assign(walIo, real);
        exporter.exportSync(generatedRecords(4, 15));
        await down.waitFor(() => down.records.length === 7);
        await exporter.forceFlush();
        expect(down.ids()).toEqual([0, 1, 2, 15, 16, 17, 18]);
        s = exporter.getStats();
        expect(s.recordsDelivered).toBe(7);
        expect(s.dropped.io_error).toEqual(classesOf(lost));
        expect(s.dropped.disk_full).toEqual(NO_DROPS);
        expectAccountedFor(s, 19, 12);
        await exporter.shutdown();
      },
    );

    it('should count io_error the pending batch and its own records when the writev throws EIO', async () => {
      const { exporter, send } = setup();
      exporter.exportSync(generatedRecords(1, 0));
      walIo.writevSync = (() => {
        throw errno('EIO', 'writev');
      }) as typeof walIo.writevSync;
      // A batch still pending (its round not started) goes with the FATAL records in one writev.
      // `export` defers its encode to a task of its own; forceFlush appends it to the writer at
      // once, and its round would start on the next microtask.
      const queued = generatedRecords(8, 1);
      const pending = send(queued);
      const flushed = exporter.forceFlush();
      const fatal = generatedRecords(2, 9);
      exporter.exportSync(fatal);
      expect((await pending).code).toBe(1);
      await flushed;
      const s = exporter.getStats();
      expect(s.dropped.io_error).toEqual(classesOf([...queued, ...fatal]));
      expect(s.dropped.disk_full).toEqual(NO_DROPS);
      expect(s.lastError?.message).toContain('EIO: injected, writev');
      expectAccountedFor(s, 11, 10);
      await exporter.shutdown();
    });
  });
});
