import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { severityClassName, severityClassOf } from '@spillway/record-format';
import { afterEach, describe, expect, it } from 'vitest';
import pkg from '../package.json' with { type: 'json' };
import { DiskBufferedLogRecordExporter } from '../src/index';
import type { DiskBufferOptions } from '../src/types';
import { CollectingExporter } from './helpers/collecting-exporter';
import { generatedRecords, removeTempDirs, tempDir } from './helpers/records';
import { frames, segments } from './helpers/wal-files';

function setup(opts: Partial<DiskBufferOptions> = {}) {
  const down = new CollectingExporter();
  const directory = opts.directory ?? tempDir();
  const exporter = new DiskBufferedLogRecordExporter({
    exporter: down,
    directory,
    fsync: 'always',
    retry: { initialMillis: 5, maxMillis: 20 },
    shutdownTimeoutMillis: 100,
    ...opts,
  });
  const send = (n: number, from: number) =>
    new Promise<{ code: number; error?: Error }>((r) =>
      exporter.export(generatedRecords(n, from), r),
    );
  return { down, exporter, directory, send };
}

function walRecordsOnDisk(dir: string): number {
  return segments(dir).reduce((n, s) => n + frames(s).reduce((m, f) => m + f.count, 0), 0);
}

afterEach(removeTempDirs);

describe('DiskBufferedLogRecordExporter', () => {
  describe('export', () => {
    it('should acknowledge only once the batch is in a segment file', async () => {
      const { exporter, directory, send, down } = setup();
      down.failing = true;
      const results = await Promise.all([send(10, 0), send(10, 10), send(10, 20)]);
      expect(results.map((r) => r.code)).toEqual([0, 0, 0]);
      expect(walRecordsOnDisk(directory)).toBe(30);
      await exporter.shutdown();
    });

    it('should deliver every record in order and count it delivered', async () => {
      const { exporter, down, send } = setup();
      for (let i = 0; i < 20; i++) await send(50, i * 50);
      await exporter.forceFlush();
      expect(down.ids()).toEqual(Array.from({ length: 1000 }, (_, i) => i));
      expect(exporter.getStats()).toMatchObject({ recordsDelivered: 1000, recordsPending: 0 });
      await exporter.shutdown();
    });

    it('should retry a failing downstream with backoff until it succeeds', async () => {
      const { exporter, down, send } = setup();
      down.failNext(4);
      await send(10, 0);
      await down.waitFor(() => down.records.length === 10);
      expect(exporter.getStats().retries).toBe(4);
      expect(exporter.getStats().lastError?.message).toMatch(/injected failure/);
      await exporter.shutdown();
    });

    it('should time out a hung downstream export and retry it', async () => {
      const { exporter, down, send } = setup({ exportTimeoutMillis: 50 });
      down.hangNext(2);
      await send(10, 0);
      await down.waitFor(() => down.records.length === 10);
      expect(exporter.getStats().retries).toBe(2);
      expect(exporter.getStats().lastError?.message).toMatch(/timed out after 50 ms/);
      await exporter.shutdown();
    });

    it('should fail (not throw) after shutdown', async () => {
      const { exporter, send } = setup();
      await exporter.shutdown();
      const r = await send(1, 0);
      expect(r.code).toBe(1);
      expect(r.error?.message).toMatch(/shut down/);
    });

    it('should stamp a unique log.record.uid when recordUid is on', async () => {
      const { exporter, down, send } = setup({ recordUid: true });
      await send(100, 0);
      await exporter.forceFlush();
      const uids = new Set(down.records.map((r) => r.attributes['log.record.uid']));
      expect(uids.size).toBe(100);
      await exporter.shutdown();
    });

    it('should rotate segments and delete them once delivered', async () => {
      const { exporter, down, directory, send } = setup({ segmentBytes: 64 * 1024 });
      down.failing = true;
      for (let i = 0; i < 10; i++) await send(100, i * 100);
      expect(segments(directory).length).toBeGreaterThan(2);
      down.failing = false;
      await down.waitFor(() => exporter.getStats().recordsPending === 0);
      await exporter.forceFlush();
      expect(segments(directory).length).toBeLessThanOrEqual(1);
      expect(down.ids()).toEqual(Array.from({ length: 1000 }, (_, i) => i));
      await exporter.shutdown();
    });
  });

  describe('exportSync', () => {
    it('should make the records and every queued batch durable before returning', async () => {
      const { exporter, directory, down, send } = setup({ fsync: { intervalMillis: 60_000 } });
      down.failing = true;
      const queued = send(5, 0);
      exporter.exportSync(generatedRecords(3, 5));
      expect(walRecordsOnDisk(directory)).toBe(8);
      expect((await queued).code).toBe(0);
      await exporter.shutdown();
    });
  });

  describe('forceFlush', () => {
    it('should resolve after one failed attempt when the downstream is down', async () => {
      const { exporter, down, send } = setup({ retry: { initialMillis: 60_000 } });
      down.failing = true;
      await send(10, 0);
      await exporter.forceFlush();
      expect(down.failures).toBeGreaterThanOrEqual(1);
      expect(exporter.getStats().recordsPending).toBe(10);
      await exporter.shutdown();
    });
  });

  describe('shutdown', () => {
    it('should keep undelivered records for the next process and release the lock', async () => {
      const first = setup({ shutdownTimeoutMillis: 50 });
      first.down.failing = true;
      await first.send(30, 0);
      await first.exporter.shutdown();
      await first.exporter.shutdown(); // idempotent
      const second = setup({ directory: first.directory });
      await second.down.waitFor(() => second.down.records.length === 30);
      expect(second.down.ids()).toEqual(Array.from({ length: 30 }, (_, i) => i));
      await second.exporter.shutdown();
    });

    it('should not redeliver what was delivered before a clean shutdown', async () => {
      const first = setup();
      await first.send(40, 0);
      await first.exporter.forceFlush();
      await first.exporter.shutdown();
      const second = setup({ directory: first.directory });
      await second.send(5, 40);
      await second.exporter.forceFlush();
      expect(second.down.ids()).toEqual([40, 41, 42, 43, 44]);
      await second.exporter.shutdown();
    });
  });

  describe('getStats', () => {
    it('should count records older than maxRecordAgeMillis as expired', async () => {
      // Generated timestamps are from 2026-01-01: older than a minute by the time the test runs.
      const { exporter, down, send } = setup({ maxRecordAgeMillis: 60_000 });
      await send(25, 0);
      await exporter.forceFlush();
      expect(down.records.length).toBe(0);
      expect(exporter.getStats().dropped.expired.total).toBe(25);
      await exporter.shutdown();
    });

    it('should publish its self-metrics and unregister them on shutdown', async () => {
      class Reader extends MetricReader {
        protected override async onShutdown(): Promise<void> {}
        protected override async onForceFlush(): Promise<void> {}
      }
      // Delta temporality: once the callback is gone, a collection has no points at all.
      const reader = new Reader({
        aggregationTemporalitySelector: () => AggregationTemporality.DELTA,
      });
      const meterProvider = new MeterProvider({ readers: [reader] });
      const { exporter, send } = setup({ meterProvider });
      await send(7, 0);
      await exporter.forceFlush();
      const { resourceMetrics } = await reader.collect();
      const [scope] = resourceMetrics.scopeMetrics;
      expect(scope?.scope).toEqual({ name: pkg.name, version: pkg.version, schemaUrl: undefined });
      const value = (name: string) =>
        scope?.metrics.find((m) => m.descriptor.name === name)?.dataPoints[0];
      expect(value('spillway.wal.delivered')?.value).toBe(7);
      const exported = value('otel.sdk.exporter.log.exported');
      expect(exported?.value).toBe(7);
      expect(exported?.attributes['otel.component.type']).toBe('spillway.disk_buffer');
      expect(exported?.attributes['otel.component.name']).toMatch(/^spillway\.disk_buffer\/\d+$/);
      await exporter.shutdown();
      const after = await reader.collect();
      expect(after.resourceMetrics.scopeMetrics.flatMap((m) => m.metrics)).toEqual([]);
      await meterProvider.shutdown();
    });
  });

  describe('maxDiskBytes', () => {
    it.each(['drop_oldest', 'drop_newest'] as const)(
      'should stay under the cap with %s and count every lost record',
      async (whenFull) => {
        const maxDiskBytes = 512 * 1024;
        const { exporter, down, directory } = setup({
          maxDiskBytes,
          segmentBytes: 64 * 1024,
          whenFull,
          minFreeBytes: 0,
        });
        down.failing = true;
        let sent = 0;
        const sentRecords: ReadableLogRecord[] = [];
        for (let i = 0; i < 60; i++) {
          const recs = generatedRecords(100, sent);
          sentRecords.push(...recs);
          await new Promise((r) => exporter.export(recs, r));
          sent += 100;
          const onDisk = readdirSync(directory).reduce(
            (n, f) => n + statSync(join(directory, f)).size,
            0,
          );
          expect(onDisk).toBeLessThanOrEqual(maxDiskBytes);
        }
        const dropped = exporter.getStats().dropped.disk_full.total;
        expect(dropped).toBeGreaterThan(0);
        down.failing = false;
        await down.waitFor(() => exporter.getStats().recordsPending === 0);
        await exporter.forceFlush();
        expect(down.records.length + exporter.getStats().dropped.disk_full.total).toBe(sent);
        // Lost records by severity: exactly the classes of the ids that never arrived.
        const arrived = new Set(down.ids());
        const expected = { trace: 0, debug: 0, info: 0, warn: 0, error: 0, fatal: 0, unknown: 0 };
        for (const r of sentRecords) {
          if (arrived.has(r.attributes['test.id'] as number)) continue;
          expected[
            severityClassName(severityClassOf(r.severityNumber as number, r.severityText))
          ]++;
        }
        const total = Object.values(expected).reduce((a, b) => a + b, 0);
        expect(exporter.getStats().dropped.disk_full).toEqual({ ...expected, total });
        const ids = down.ids();
        if (whenFull === 'drop_newest') expect(ids[0]).toBe(0);
        else expect(ids.at(-1)).toBe(sent - 1);
        await exporter.shutdown();
      },
    );

    it('should count by severity only the undelivered records of a partly delivered file it evicts', async () => {
      const { exporter, down } = setup({
        maxDiskBytes: 512 * 1024,
        segmentBytes: 64 * 1024,
        whenFull: 'drop_oldest',
        minFreeBytes: 0,
        maxExportBatchSize: 50,
      });
      // The first two batches of the oldest segment are delivered, the third is in flight when the
      // downstream goes down, and the cap evicts that segment with the rest of its records.
      down.succeedThenFail(2);
      const sentRecords: ReadableLogRecord[] = [];
      for (let i = 0; i < 120; i++) {
        const recs = generatedRecords(50, i * 50);
        sentRecords.push(...recs);
        await new Promise((r) => exporter.export(recs, r));
      }
      expect(exporter.getStats().dropped.disk_full.total).toBeGreaterThan(0);
      down.succeedThenFail(Number.POSITIVE_INFINITY);
      down.failing = false;
      await down.waitFor(() => exporter.getStats().recordsPending === 0);
      await exporter.forceFlush();
      const arrived = new Set(down.ids());
      expect(arrived.has(0) && arrived.has(99)).toBe(true);
      const lost = { trace: 0, debug: 0, info: 0, warn: 0, error: 0, fatal: 0, unknown: 0 };
      let lostCount = 0;
      for (const r of sentRecords) {
        if (arrived.has(r.attributes['test.id'] as number)) continue;
        lostCount++;
        lost[severityClassName(severityClassOf(r.severityNumber as number, r.severityText))]++;
      }
      expect(lostCount).toBe(exporter.getStats().dropped.disk_full.total);
      expect(exporter.getStats().dropped.disk_full).toEqual({ ...lost, total: lostCount });
      await exporter.shutdown();
    });
  });
});
