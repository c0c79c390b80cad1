import { ROOT_CONTEXT, type SpanContext, TraceFlags, trace } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  LoggerProvider,
  type LogRecordExporter,
  type ReadableLogRecord,
} from '@opentelemetry/sdk-logs';
import {
  SamplingLogRecordProcessor,
  type SamplingLogRecordProcessorOptions,
} from '@spillway/sampling';

/**
 * A real exporter with knobs: keeps what it is given, answers after `delayMs` (0 = at once, in the
 * same tick), fails the next `failNext` calls, and optionally implements `exportSync`.
 */
export class CollectingExporter implements LogRecordExporter {
  readonly records: ReadableLogRecord[] = [];
  readonly syncRecords: ReadableLogRecord[] = [];
  calls = 0;
  delayMs = 0;
  failNext = 0;
  /** Never call back (to test the export timeout). */
  hang = false;
  shutdowns = 0;
  flushes = 0;

  export(records: ReadableLogRecord[], done: (r: ExportResult) => void): void {
    this.calls++;
    if (this.hang) return;
    const fail = this.failNext > 0;
    if (fail) this.failNext--;
    const answer = (): void => {
      if (fail)
        done({ code: ExportResultCode.FAILED, error: new Error('injected export failure') });
      else {
        for (const r of records) this.records.push(r);
        done({ code: ExportResultCode.SUCCESS });
      }
    };
    if (this.delayMs > 0) setTimeout(answer, this.delayMs);
    else answer();
  }

  async forceFlush(): Promise<void> {
    this.flushes++;
  }

  async shutdown(): Promise<void> {
    this.shutdowns++;
  }
}

/** A {@link CollectingExporter} that also implements `exportSync` (as the disk buffer does). */
export class SyncCollectingExporter extends CollectingExporter {
  syncFail = false;
  exportSync(records: ReadableLogRecord[]): void {
    if (this.syncFail) throw new Error('injected exportSync failure');
    for (const r of records) this.syncRecords.push(r);
  }
}

let seed = 12345;
/** Deterministic uint32 stream (mulberry32) so test failures reproduce. */
export function rand32(): number {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (t ^ (t >>> 14)) >>> 0;
}

export function randomHex(bytes: number): string {
  let s = '';
  while (s.length < bytes * 2) s += rand32().toString(16).padStart(8, '0');
  return s.slice(0, bytes * 2);
}

export function randomSpanContext(): SpanContext {
  return { traceId: randomHex(16), spanId: randomHex(8), traceFlags: TraceFlags.SAMPLED };
}

export function contextWith(sc: SpanContext) {
  return trace.setSpanContext(ROOT_CONTEXT, sc);
}

export const SEV = { trace: 1, debug: 5, info: 9, warn: 13, error: 17, fatal: 21 } as const;

/** A LoggerProvider with our processor on a collecting exporter. */
export function setupProvider(
  options: Partial<SamplingLogRecordProcessorOptions> = {},
  exporter: CollectingExporter = new CollectingExporter(),
): {
  provider: LoggerProvider;
  processor: SamplingLogRecordProcessor;
  exporter: CollectingExporter;
  logger: ReturnType<LoggerProvider['getLogger']>;
} {
  const processor = new SamplingLogRecordProcessor({ exporter, ...options });
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'sampling-test' }),
    processors: [processor],
  });
  return { provider, processor, exporter, logger: provider.getLogger('sampling-test') };
}
