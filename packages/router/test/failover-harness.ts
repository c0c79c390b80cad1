// What the failover-*.test.ts files share: a FailoverLogRecordExporter in front of a real gRPC
// receiver (primary) and an in-memory fallback, and a clock for its circuits.
import { InMemoryLogRecordExporter } from '@opentelemetry/sdk-logs';
import { afterEach, vi } from 'vitest';
import { FailoverLogRecordExporter } from '../src/failover-log-record-exporter';
import type { FailoverLogRecordExporterOptions } from '../src/types';
import { Batches, exportBatch, grpcPrimary, idOf, ids, onCleanup } from './helpers';

afterEach(() => {
  vi.useRealTimers();
});

/** The exporter over `otlp` (a started receiver) then `memory`; `send(n)` exports n new records. */
export async function setup(
  opts: Partial<FailoverLogRecordExporterOptions> & { otlpTimeoutMillis?: number } = {},
) {
  const { receiver, otlp } = await grpcPrimary(opts.otlpTimeoutMillis);
  const fallback = new InMemoryLogRecordExporter();
  const failover = new FailoverLogRecordExporter({
    exporters: [otlp, fallback],
    names: ['otlp', 'memory'],
    retryIntervalMillis: 1_000,
    ...opts,
  });
  onCleanup(() => failover.shutdown());
  const batches = new Batches();
  let sent = 0;
  const send = async (n = 10) => {
    const records = batches.next(n);
    sent += n;
    return exportBatch(failover, records);
  };
  const fallbackIds = () =>
    fallback.getFinishedLogRecords().map((r) => idOf(r.attributes as Record<string, unknown>));
  const everywhere = () => [...ids(receiver.records), ...fallbackIds()];
  return { receiver, otlp, fallback, failover, send, sent: () => sent, fallbackIds, everywhere };
}

// Only Date is faked: circuits read Date.now(), while gRPC and export deadlines keep real timers.
export function fakeClock(): (ms: number) => void {
  vi.useFakeTimers({ toFake: ['Date'] });
  return (ms) => vi.setSystemTime(Date.now() + ms);
}
