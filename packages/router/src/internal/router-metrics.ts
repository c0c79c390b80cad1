import type { MeterProvider } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_TARGET,
  COMPONENT_TYPES,
  type ComponentMetrics,
  observeDrops,
  registerComponentMetrics,
} from '@spillway/self-metrics';
import pkg from '../../package.json' with { type: 'json' };
import type { FailoverStats } from '../types';

const STATE_VALUE = { closed: 0, 'half-open': 1, open: 2 } as const;

/** `error.type` of a batch every target failed: the caller (the WAL) keeps and retries it. */
export const ALL_TARGETS_FAILED = 'all_targets_failed';

/**
 * The failover's self-metrics, all read from one `getStats()` per collection except the export
 * duration, which `export()` records as each call is called back.
 */
export function registerRouterMetrics(
  meterProvider: MeterProvider | undefined,
  stats: () => FailoverStats,
): ComponentMetrics {
  return registerComponentMetrics({
    meterProvider,
    meterName: pkg.name,
    meterVersion: pkg.version,
    componentType: COMPONENT_TYPES.failover,
    observables: [
      'otel.sdk.exporter.log.exported',
      'otel.sdk.exporter.log.inflight',
      'spillway.failover.sent',
      'spillway.failover.failed_batches',
      'spillway.circuit.state',
      'spillway.circuit.open_time',
      'spillway.replay.backlog.bytes',
      'spillway.replay.backlog.files',
      'spillway.replay.records',
      'spillway.log_record.dropped',
    ],
    recorded: ['otel.sdk.exporter.operation.duration'],
    snapshot: stats,
    observe: (s, observe) => {
      observe('otel.sdk.exporter.log.exported', s.records.exported);
      if (s.records.failed > 0) {
        observe('otel.sdk.exporter.log.exported', s.records.failed, {
          [ATTR_ERROR_TYPE]: ALL_TARGETS_FAILED,
        });
      }
      observe('otel.sdk.exporter.log.inflight', s.records.inflight);
      for (const t of s.targets) {
        const target = { [ATTR_TARGET]: t.name };
        observe('spillway.failover.sent', t.recordsSent, target);
        const failed = t.batchesFailed - t.batchesRejected - t.timeouts;
        const byType = { failed, rejected: t.batchesRejected, timeout: t.timeouts };
        for (const [type, n] of Object.entries(byType)) {
          if (n > 0)
            observe('spillway.failover.failed_batches', n, { ...target, [ATTR_ERROR_TYPE]: type });
        }
        observe('spillway.circuit.state', STATE_VALUE[t.state], target);
        observe('spillway.circuit.open_time', t.openMillis / 1000, target);
      }
      observe('spillway.replay.backlog.bytes', s.replay.bytesPending);
      observe('spillway.replay.backlog.files', s.replay.filesPending);
      observe('spillway.replay.records', s.replay.recordsReplayed);
      observeDrops(observe, s.replay.dropped);
    },
  });
}
