import type { Attributes, Counter, MeterProvider } from '@opentelemetry/api';
import type { FailoverStats } from '../types';

const STATE_VALUE = { closed: 0, 'half-open': 1, open: 2 } as const;

/**
 * The failover's OTel metrics: counters bumped on the export path, gauges read from `getStats()`
 * at collection time (no timers of our own).
 */
export class RouterMetrics {
  private readonly batches: Counter | undefined;
  private readonly records: Counter | undefined;

  constructor(meterProvider: MeterProvider | undefined, stats: () => FailoverStats) {
    if (!meterProvider) return;
    const meter = meterProvider.getMeter('@spillway/router');
    this.batches = meter.createCounter('spillway.router.batches', {
      description:
        'Batches handled per target, by outcome (sent, failed, rejected, timeout, skipped).',
    });
    this.records = meter.createCounter('spillway.router.records', {
      description: 'Records handled per target, by outcome.',
    });
    meter
      .createObservableGauge('spillway.router.circuit.state', {
        description: 'Circuit state per target: 0 closed, 1 half-open, 2 open.',
      })
      .addCallback((r) => {
        for (const t of stats().targets) r.observe(STATE_VALUE[t.state], { target: t.name });
      });
    meter
      .createObservableCounter('spillway.router.circuit.open_time', {
        description: 'Time each target circuit spent open or half-open.',
        unit: 'ms',
      })
      .addCallback((r) => {
        for (const t of stats().targets) r.observe(t.openMillis, { target: t.name });
      });
    meter
      .createObservableCounter('spillway.router.replay.records', {
        description: 'Records replayed from fallback files to the primary target.',
      })
      .addCallback((r) => r.observe(stats().replay.recordsReplayed));
    meter
      .createObservableGauge('spillway.router.replay.backlog', {
        description: 'Bytes of fallback files waiting to be replayed.',
        unit: 'By',
      })
      .addCallback((r) => r.observe(stats().replay.bytesPending));
  }

  /** Counts one attempt on a target. */
  count(target: string, outcome: string, records: number): void {
    const attrs: Attributes = { target, outcome };
    this.batches?.add(1, attrs);
    this.records?.add(records, attrs);
  }
}
