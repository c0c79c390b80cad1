import { readdirSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import {
  BatchLogRecordProcessor,
  InMemoryLogRecordExporter,
  LoggerProvider,
  SimpleLogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { SEVERITY_CLASSES, severityClassOf } from '@spillway/record-format';
import type { SeverityCounts } from '@spillway/self-metrics';
import { SyntheticRecordGenerator, toLogRecord } from '@spillway/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import pkg from '../package.json' with { type: 'json' };
import {
  listCompressedFiles,
  readLogRecords,
  verifyCompressedFile,
  type ZstdFileExporterOptions,
  ZstdFileLogRecordExporter,
} from '../src/index';
import { comparable, exportAll, generatedRecords, richRecords, tempDir } from './helpers';

/** The per-class counts a drop of `records` must show. */
function expectedClasses(records: ReadableLogRecord[]): SeverityCounts {
  const c = { trace: 0, debug: 0, info: 0, warn: 0, error: 0, fatal: 0, unknown: 0 };
  for (const r of records) {
    c[SEVERITY_CLASSES[severityClassOf(r.severityNumber as number, r.severityText)]]++;
  }
  return { ...c, total: records.length };
}

const DAY = 86_400_000;

/** A pull reader: metrics are read when the test collects them. */
class TestMetricReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

function setup(options: Partial<ZstdFileExporterOptions> = {}) {
  const directory = join(tempDir(), 'logs');
  const exporter = new ZstdFileLogRecordExporter({ directory, minFreeBytes: 0, ...options });
  return { directory, exporter };
}

/** Exports `records` in batches of `batch`, flushing after each: one frame per batch. */
async function exportFramed(
  exporter: ZstdFileLogRecordExporter,
  records: ReadableLogRecord[],
  batch: number,
) {
  for (let i = 0; i < records.length; i += batch) {
    await exportAll(exporter, records.slice(i, i + batch));
    await exporter.forceFlush();
  }
}

async function readAll(dir: string) {
  const out = [];
  for await (const r of readLogRecords(dir)) out.push(r);
  return out;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('ZstdFileLogRecordExporter', () => {
  describe('export', () => {
    it('should round-trip every field through the files', async () => {
      const { directory, exporter } = setup();
      const records = richRecords();
      await exportAll(exporter, records, 2);
      await exporter.shutdown();
      const back = await readAll(directory);
      expect(back.map(comparable)).toEqual(records.map(comparable));
      // Resources and scopes are shared, not re-created per record.
      expect(back[0]!.resource).toBe(back[1]!.resource);
      expect(back[2]!.resource).toBe(back[3]!.resource);
      expect(back[1]!.instrumentationScope).toBe(back[3]!.instrumentationScope);
    });

    it('should write what an SDK LoggerProvider emits, field by field', async () => {
      const { directory, exporter } = setup({ serviceName: 'checkout' });
      const memory = new InMemoryLogRecordExporter();
      const provider = new LoggerProvider({
        resource: resourceFromAttributes({ 'service.name': 'checkout' }),
        processors: [
          new BatchLogRecordProcessor({ exporter, maxQueueSize: 10_000 }),
          new SimpleLogRecordProcessor({ exporter: memory }),
        ],
      });
      const logger = provider.getLogger('orders', '1.0.0');
      const gen = new SyntheticRecordGenerator({ seed: 3 });
      for (const g of gen.take(3000)) logger.emit(toLogRecord(g) as never);
      await provider.forceFlush();
      const emitted = memory.getFinishedLogRecords().map(comparable);
      await provider.shutdown();
      const back = await readAll(directory);
      expect(back).toHaveLength(3000);
      expect(back.map(comparable)).toEqual(emitted);
      const files = await listCompressedFiles(directory);
      expect(files[0]!.name).toMatch(/^checkout-\d{8}-\d{6}\.zst$/);
    });

    it('should name files after the records service.name and create the directory 0700', async () => {
      const { directory, exporter } = setup();
      await exportAll(exporter, generatedRecords(10, { service: 'svc/with space' }));
      await exporter.forceFlush();
      expect(statSync(directory).mode & 0o777).toBe(0o700);
      const [file] = await listCompressedFiles(directory);
      expect(file!.name).toMatch(/^svc_with_space-\d{8}-\d{6}\.zst$/);
      expect(statSync(file!.path).mode & 0o777).toBe(0o600);
      await exporter.shutdown();
    });

    it('should fail and count exports after shutdown', async () => {
      const { exporter } = setup();
      await exporter.shutdown();
      const result = await new Promise<{ code: number }>((r) =>
        exporter.export(generatedRecords(3), r),
      );
      expect(result.code).toBe(1);
      expect(exporter.getStats().dropped.shutdown.total).toBe(3);
    });

    it('should cut a frame flushIntervalMillis after the first record', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const { exporter } = setup({ flushIntervalMillis: 1000 });
      await exportAll(exporter, generatedRecords(100));
      vi.advanceTimersByTime(999);
      expect(exporter.getStats()).toMatchObject({ framesWritten: 0, recordsPending: 100 });
      vi.advanceTimersByTime(1);
      await vi.waitFor(() => expect(exporter.getStats().framesWritten).toBe(1));
      expect(exporter.getStats()).toMatchObject({ recordsWritten: 100, recordsPending: 0 });
      await exporter.shutdown();
    });
  });

  describe('forceFlush', () => {
    it('should write one frame per flush and count bytes', async () => {
      const { directory, exporter } = setup();
      const records = generatedRecords(2000);
      await exportAll(exporter, records.slice(0, 1000));
      await exporter.forceFlush();
      await exportAll(exporter, records.slice(1000));
      await exporter.forceFlush();
      const stats = exporter.getStats();
      expect(stats).toMatchObject({ recordsWritten: 2000, framesWritten: 2, filesWritten: 1 });
      const [file] = await listCompressedFiles(directory);
      expect(stats.bytesOnDisk).toBe(file!.size);
      expect(stats.bytesRaw).toBeGreaterThan(10 * stats.bytesOnDisk);
      const report = await verifyCompressedFile(file!.path);
      expect(report).toMatchObject({
        ok: true,
        frames: 2,
        records: 2000,
        rawBytes: stats.bytesRaw,
      });
      await exporter.shutdown();
    });
  });

  describe('rotation', () => {
    it('should start a new file when the current one reaches rotate.maxBytes', async () => {
      const { directory, exporter } = setup({
        frameBytes: 16 * 1024,
        rotate: { maxBytes: 4096 },
        now: () => Date.UTC(2026, 0, 1, 12),
      });
      const records = generatedRecords(3000);
      await exportAll(exporter, records, 100);
      await exporter.shutdown();
      const files = await listCompressedFiles(directory);
      expect(files.length).toBeGreaterThan(3);
      expect(files.map((f) => f.name).slice(0, 3)).toEqual([
        'svc-20260101-120000.zst',
        'svc-20260101-120000-1.zst',
        'svc-20260101-120000-2.zst',
      ]);
      expect(exporter.getStats().filesWritten).toBe(files.length);
      for (const f of files.slice(0, -1)) expect(f.size).toBeGreaterThanOrEqual(4096);
      expect((await readAll(directory)).map(comparable)).toEqual(records.map(comparable));
    });

    it('should start a new file at each UTC day', async () => {
      let now = Date.UTC(2026, 0, 1, 23, 59, 58);
      const { directory, exporter } = setup({ now: () => now });
      const records = generatedRecords(300);
      await exportAll(exporter, records.slice(0, 100));
      await exporter.forceFlush();
      now += 1000; // still the same day
      await exportAll(exporter, records.slice(100, 200));
      await exporter.forceFlush();
      now += 2000;
      await exportAll(exporter, records.slice(200));
      await exporter.shutdown();
      const files = await listCompressedFiles(directory);
      expect(files.map((f) => f.name)).toEqual([
        'svc-20260101-235958.zst',
        'svc-20260102-000001.zst',
      ]);
      expect((await readAll(directory)).length).toBe(300);
    });
  });

  describe('getStats', () => {
    it('should publish its self-metrics from getStats() and unregister them on shutdown', async () => {
      // Delta temporality: once the callback is gone, a collection has no points at all.
      const reader = new TestMetricReader({
        aggregationTemporalitySelector: () => AggregationTemporality.DELTA,
      });
      const meterProvider = new MeterProvider({ readers: [reader] });
      const { exporter } = setup({ meterProvider });
      await exportAll(exporter, generatedRecords(300));
      await exporter.forceFlush();
      const { resourceMetrics } = await reader.collect();
      expect(resourceMetrics.scopeMetrics[0]?.scope).toMatchObject({
        name: pkg.name,
        version: pkg.version,
      });
      const points = new Map<string, number>();
      for (const sm of resourceMetrics.scopeMetrics) {
        for (const m of sm.metrics) {
          for (const p of m.dataPoints) {
            const {
              'otel.component.type': type,
              'otel.component.name': _n,
              ...rest
            } = p.attributes;
            expect(type).toBe('spillway.zstd_file_exporter');
            const attrs = Object.values(rest).join(',');
            points.set(`${m.descriptor.name}${attrs ? `{${attrs}}` : ''}`, p.value as number);
          }
        }
      }
      const stats = exporter.getStats();
      expect(points.get('otel.sdk.exporter.log.exported')).toBe(300);
      expect(points.get('otel.sdk.exporter.log.inflight')).toBe(0);
      expect(points.get('spillway.file.written')).toBe(300);
      expect(points.get('spillway.file.deleted{max_age}')).toBe(0);
      expect(points.get('spillway.file.bytes{json}')).toBe(stats.bytesRaw);
      expect(points.get('spillway.file.bytes{zstd}')).toBe(stats.bytesOnDisk);
      expect(points.get('spillway.file.frames')).toBe(1);
      expect(points.get('spillway.file.files')).toBe(1);
      await exporter.shutdown();
      const after = await reader.collect();
      expect(after.resourceMetrics.scopeMetrics.flatMap((m) => m.metrics)).toEqual([]);
      await meterProvider.shutdown();
    });

    it('should count records exported after shutdown under dropped.shutdown, by severity class', async () => {
      const { exporter } = setup();
      await exporter.shutdown();
      const records = generatedRecords(40);
      await new Promise<void>((r) => exporter.export(records, () => r()));
      expect(exporter.getStats().dropped.shutdown).toEqual(expectedClasses(records));
    });
  });

  describe('rotate', () => {
    it('should close the current file with every record exported so far, and open a new one next', async () => {
      const { directory, exporter } = setup({ now: () => Date.UTC(2026, 0, 1) });
      expect(exporter.directory).toBe(directory);
      await exportAll(exporter, generatedRecords(100));
      await exporter.rotate();
      expect(exporter.currentFile).toBeUndefined();
      const [first] = (await listCompressedFiles(directory)).map((f) => f.path);
      expect(await verifyCompressedFile(first!)).toMatchObject({ ok: true, records: 100 });
      await exportAll(exporter, generatedRecords(10));
      await exporter.forceFlush();
      expect(exporter.currentFile).not.toBe(first);
      await exporter.shutdown();
      expect((await listCompressedFiles(directory)).map((f) => f.name)).toEqual([
        'svc-20260101-000000.zst',
        'svc-20260101-000000-1.zst',
      ]);
    });
  });

  describe('retention', () => {
    it.each([
      ['maxAgeMillis', { maxAgeMillis: 7 * DAY }],
      ['maxAgeDays (the older spelling)', { maxAgeDays: 7 }],
    ])('should delete files older than %s and count their records', async (_name, retention) => {
      const old = setup({ rotate: { maxBytes: 1 } });
      await exportFramed(old.exporter, generatedRecords(300), 100);
      await old.exporter.shutdown();
      const files = await listCompressedFiles(old.directory);
      expect(files).toHaveLength(3);
      const eightDaysAgo = (Date.now() - 8 * DAY) / 1000;
      for (const f of files.slice(0, 2)) utimesSync(f.path, eightDaysAgo, eightDaysAgo);

      const exporter = new ZstdFileLogRecordExporter({
        directory: old.directory,
        minFreeBytes: 0,
        retention,
      });
      await exportAll(exporter, generatedRecords(10));
      await exporter.shutdown();
      expect(exporter.getStats().deleted.max_age).toEqual({
        files: 2,
        records: 200,
        bytes: files[0]!.size + files[0]!.indexSize + files[1]!.size + files[1]!.indexSize,
      });
      const left = readdirSync(old.directory).sort();
      expect(left).toHaveLength(4); // the young old file and the new one, each with its index
      expect(left).toContain(files[2]!.name);
    });

    it('should delete oldest files first to stay under maxTotalBytes', async () => {
      const { directory, exporter } = setup({
        frameBytes: 8 * 1024,
        rotate: { maxBytes: 2048 },
        retention: { maxTotalBytes: 20_000 },
      });
      const records = generatedRecords(4000);
      await exportAll(exporter, records, 100);
      await exporter.shutdown();
      const stats = exporter.getStats();
      expect(stats.deleted.max_total_bytes.files).toBeGreaterThan(0);
      const files = await listCompressedFiles(directory);
      const total = files.reduce((n, f) => n + f.size + f.indexSize, 0);
      // Retention runs before each new file; the last file may add one frame on top.
      expect(total).toBeLessThanOrEqual(20_000 + files.at(-1)!.size + files.at(-1)!.indexSize);
      const left = await readAll(directory);
      expect(left.length + stats.deleted.max_total_bytes.records).toBe(4000);
      // What is left is the newest records, in order.
      expect(left.map(comparable)).toEqual(records.slice(4000 - left.length).map(comparable));
    });

    it('should delete old files, then drop and count frames, below the free-space floor', async () => {
      const old = setup({ rotate: { maxBytes: 1 } });
      await exportFramed(old.exporter, generatedRecords(200), 100);
      await old.exporter.shutdown();
      const exporter = new ZstdFileLogRecordExporter({
        directory: old.directory,
        minFreeBytes: Number.MAX_SAFE_INTEGER,
      });
      const records = generatedRecords(50);
      await exportAll(exporter, records);
      await exporter.shutdown();
      const stats = exporter.getStats();
      expect(stats.deleted.min_free_bytes).toMatchObject({ files: 2, records: 200 });
      expect(stats.dropped.disk_full).toEqual(expectedClasses(records));
      expect(stats.recordsWritten).toBe(0);
    });
  });
});
