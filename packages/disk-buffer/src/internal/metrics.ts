import type { MeterProvider } from '@opentelemetry/api';
import {
  ATTR_STORAGE,
  COMPONENT_TYPES,
  type ComponentMetrics,
  observeDrops,
  registerComponentMetrics,
} from '@spillway/self-metrics';
import pkg from '../../package.json' with { type: 'json' };
import type { DiskBufferStats } from '../types';

/**
 * Registers the buffer's self-metrics, all read from one `getStats()` per collection: records
 * made durable (`otel.sdk.exporter.log.exported`: the buffer is its upstream's exporter), the
 * WAL's backlog and deliveries (`spillway.wal.*`) and drops by reason and severity class.
 */
export function registerMetrics(
  meterProvider: MeterProvider | undefined,
  stats: () => DiskBufferStats,
): ComponentMetrics {
  return registerComponentMetrics({
    meterProvider,
    meterName: pkg.name,
    meterVersion: pkg.version,
    componentType: COMPONENT_TYPES.diskBuffer,
    observables: [
      'otel.sdk.exporter.log.exported',
      'spillway.log_record.dropped',
      'spillway.wal.records',
      'spillway.wal.bytes',
      'spillway.wal.delivered',
      'spillway.wal.retries',
      'spillway.wal.disk.usage',
    ],
    snapshot: stats,
    observe: (s, observe) => {
      observe('otel.sdk.exporter.log.exported', s.recordsAccepted);
      observeDrops(observe, s.dropped);
      observe('spillway.wal.records', s.walRecords, { [ATTR_STORAGE]: 'wal' });
      observe('spillway.wal.records', s.spillRecords, { [ATTR_STORAGE]: 'spill' });
      observe('spillway.wal.bytes', s.walBytes, { [ATTR_STORAGE]: 'wal' });
      observe('spillway.wal.bytes', s.spillBytes, { [ATTR_STORAGE]: 'spill' });
      observe('spillway.wal.delivered', s.recordsDelivered);
      observe('spillway.wal.retries', s.retries);
      observe('spillway.wal.disk.usage', s.diskBytes);
    },
  });
}
