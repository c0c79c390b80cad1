import type { MeterProvider } from '@opentelemetry/api';
import {
  ATTR_ENCODING,
  ATTR_ERROR_TYPE,
  COMPONENT_TYPES,
  type ComponentMetrics,
  observeDrops,
  registerComponentMetrics,
} from '@spillway/self-metrics';
import pkg from '../../package.json' with { type: 'json' };
import type { ZstdFileExporterStats } from '../types';

/**
 * The exporter's self-metrics, all observed from one `getStats()` per collection (no timers, no
 * work on the export path): records written (`otel.sdk.exporter.log.exported`: the export of a
 * record finishes when its frame is on disk), drops by reason and severity class, retention's
 * deletions, bytes, frames and files.
 */
export function registerExporterMetrics(
  meterProvider: MeterProvider | undefined,
  stats: () => ZstdFileExporterStats,
): ComponentMetrics {
  return registerComponentMetrics({
    meterProvider,
    meterName: pkg.name,
    meterVersion: pkg.version,
    componentType: COMPONENT_TYPES.zstdFile,
    observables: [
      'otel.sdk.exporter.log.exported',
      'otel.sdk.exporter.log.inflight',
      'spillway.log_record.dropped',
      'spillway.file.written',
      'spillway.file.deleted',
      'spillway.file.bytes',
      'spillway.file.frames',
      'spillway.file.files',
    ],
    snapshot: stats,
    observe: (s, observe) => {
      observe('otel.sdk.exporter.log.exported', s.recordsWritten);
      for (const [reason, c] of Object.entries(s.dropped)) {
        if (c.total > 0)
          observe('otel.sdk.exporter.log.exported', c.total, { [ATTR_ERROR_TYPE]: reason });
      }
      observe('otel.sdk.exporter.log.inflight', s.recordsPending);
      observeDrops(observe, s.dropped);
      observe('spillway.file.written', s.recordsWritten);
      for (const [reason, c] of Object.entries(s.deleted)) {
        observe('spillway.file.deleted', c.records, { [ATTR_ERROR_TYPE]: reason });
      }
      observe('spillway.file.bytes', s.bytesRaw, { [ATTR_ENCODING]: 'json' });
      observe('spillway.file.bytes', s.bytesOnDisk, { [ATTR_ENCODING]: 'zstd' });
      observe('spillway.file.frames', s.framesWritten);
      observe('spillway.file.files', s.filesWritten);
    },
  });
}
