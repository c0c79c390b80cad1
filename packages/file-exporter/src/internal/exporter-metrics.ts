import type { MeterProvider } from '@opentelemetry/api';
import type { ZstdFileExporterStats } from '../types';

/**
 * The exporter's OTel metrics, all observed from `getStats()` at collection time (no timers, no
 * work on the export path).
 */
export function registerExporterMetrics(
  meterProvider: MeterProvider,
  stats: () => ZstdFileExporterStats,
): void {
  const meter = meterProvider.getMeter('@spillway/file-exporter');
  meter
    .createObservableCounter('spillway.file_exporter.records.written', {
      description: 'Records written to zstd files.',
    })
    .addCallback((r) => r.observe(stats().recordsWritten));
  meter
    .createObservableCounter('spillway.file_exporter.records.dropped', {
      description: 'Records accepted but not written, by reason (disk_full, io_error, shutdown).',
    })
    .addCallback((r) => {
      for (const [reason, n] of Object.entries(stats().dropped)) r.observe(n, { reason });
    });
  meter
    .createObservableCounter('spillway.file_exporter.records.deleted', {
      description:
        'Records in files deleted by retention, by reason (max_age, max_total_bytes, min_free_bytes).',
    })
    .addCallback((r) => {
      for (const [reason, c] of Object.entries(stats().deleted)) r.observe(c.records, { reason });
    });
  meter
    .createObservableCounter('spillway.file_exporter.bytes.written', {
      description: 'Bytes written: raw OTLP/JSON (kind=raw) and compressed on disk (kind=disk).',
      unit: 'By',
    })
    .addCallback((r) => {
      const s = stats();
      r.observe(s.bytesRaw, { kind: 'raw' });
      r.observe(s.bytesOnDisk, { kind: 'disk' });
    });
  meter
    .createObservableCounter('spillway.file_exporter.frames.written', {
      description: 'zstd frames written.',
    })
    .addCallback((r) => r.observe(stats().framesWritten));
  meter
    .createObservableCounter('spillway.file_exporter.files.written', {
      description: 'Files created.',
    })
    .addCallback((r) => r.observe(stats().filesWritten));
}
