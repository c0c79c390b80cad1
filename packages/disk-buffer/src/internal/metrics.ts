import type { MeterProvider } from '@opentelemetry/api';
import type { DiskBufferStats } from '../types';

/** Registers observable instruments that read `getStats()` at each collection. */
export function registerMetrics(provider: MeterProvider, stats: () => DiskBufferStats): void {
  const meter = provider.getMeter('@spillway/disk-buffer', '0.1.0');
  const dropped = meter.createObservableCounter('spillway.disk_buffer.records.dropped', {
    description: 'Records not delivered, by reason',
    unit: '{record}',
  });
  const bySeverity = meter.createObservableCounter(
    'spillway.disk_buffer.records.dropped_by_severity',
    { description: 'Records not delivered, by severity class', unit: '{record}' },
  );
  const delivered = meter.createObservableCounter('spillway.disk_buffer.records.delivered', {
    description: 'Records acknowledged by the downstream exporter',
    unit: '{record}',
  });
  const retries = meter.createObservableCounter('spillway.disk_buffer.export.retries', {
    description: 'Failed downstream export attempts that were retried',
    unit: '{attempt}',
  });
  const pending = meter.createObservableGauge('spillway.disk_buffer.records.pending', {
    description: 'Records on disk not yet delivered',
    unit: '{record}',
  });
  const disk = meter.createObservableGauge('spillway.disk_buffer.disk.usage', {
    description: 'Bytes of the buffer files',
    unit: 'By',
  });
  meter.addBatchObservableCallback(
    (r) => {
      const s = stats();
      for (const reason of ['disk_full', 'corrupt', 'expired'] as const) {
        r.observe(dropped, s.dropped[reason], { reason });
      }
      for (const [severity, n] of Object.entries(s.droppedBySeverity)) {
        r.observe(bySeverity, n, { severity });
      }
      r.observe(delivered, s.deliveredRecords);
      r.observe(retries, s.retries);
      r.observe(pending, s.pendingRecords);
      r.observe(disk, s.diskBytes);
    },
    [dropped, bySeverity, delivered, retries, pending, disk],
  );
}
