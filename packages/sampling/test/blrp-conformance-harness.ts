// Shared by the blrp-conformance-*.test.ts files: the LogRecordProcessor behaviours of the SDK's
// BatchLogRecordProcessor, run against it (the control: a test that fails there tests nothing
// real) and against SamplingLogRecordProcessor keeping everything, side by side. Where ours
// deliberately differs, the test says so and asserts each processor's own answer; the README lists
// the differences and why.
import { DiagLogLevel, diag } from '@opentelemetry/api';
import {
  type ExportResult,
  ExportResultCode,
  loggingErrorHandler,
  setGlobalErrorHandler,
} from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchLogRecordProcessor,
  LoggerProvider,
  type LogRecordExporter,
  type LogRecordProcessor,
  type ReadableLogRecord,
} from '@opentelemetry/sdk-logs';
import { type MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { SamplingLogRecordProcessor } from '@spillway/sampling';
import { afterEach, beforeEach, vi } from 'vitest';

export interface BufferOptions {
  maxQueueSize?: number;
  maxExportBatchSize?: number;
  scheduledDelayMillis?: number;
  exportTimeoutMillis?: number;
  selfObsMeterProvider?: MeterProvider;
}

export type Make = (exporter: LogRecordExporter, options: BufferOptions) => LogRecordProcessor;

const makeBlrp: Make = (exporter, options) => new BatchLogRecordProcessor({ exporter, ...options });
const makeOurs: Make = (exporter, options) =>
  new SamplingLogRecordProcessor({
    exporter,
    ...options,
    ratios: { trace: 1, debug: 1, info: 1, warn: 1, error: 1 },
    rateLimits: { warn: 0, error: 0 },
    traceSilenceAfter: 0,
  });

/**
 * An exporter with knobs. `mode`: `now` answers SUCCESS in the call; `later` after `delayMs`;
 * `held` keeps the callbacks for the test to answer; `onFlush` answers only when its
 * `forceFlush` is called (as an exporter that batches internally does); `fail` answers FAILED;
 * `hang` never answers.
 */
export class KnobExporter implements LogRecordExporter {
  readonly records: ReadableLogRecord[] = [];
  readonly held: ((r: ExportResult) => void)[] = [];
  calls = 0;
  flushes = 0;
  shutdowns = 0;
  delayMs = 5;
  private waiters: { n: number; resolve: () => void }[] = [];
  private unflushed: (() => void)[] = [];

  constructor(public mode: 'now' | 'later' | 'held' | 'onFlush' | 'fail' | 'hang' = 'now') {}

  export(records: ReadableLogRecord[], done: (r: ExportResult) => void): void {
    this.calls++;
    const ok = () => {
      this.records.push(...records);
      done({ code: ExportResultCode.SUCCESS });
      this.wake();
    };
    switch (this.mode) {
      case 'now':
        ok();
        return;
      case 'later':
        setTimeout(ok, this.delayMs);
        return;
      case 'held':
        this.held.push((r) => {
          if (r.code === ExportResultCode.SUCCESS) this.records.push(...records);
          done(r);
          this.wake();
        });
        return;
      case 'onFlush':
        this.unflushed.push(ok);
        return;
      case 'fail':
        done({ code: ExportResultCode.FAILED, error: new Error('injected failure') });
        return;
      case 'hang':
        return;
    }
  }

  async forceFlush(): Promise<void> {
    this.flushes++;
    for (const answer of this.unflushed.splice(0)) answer();
  }

  async shutdown(): Promise<void> {
    this.shutdowns++;
  }

  /** Resolves once `n` records were exported. */
  exported(n: number): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push({ n, resolve });
      this.wake();
    });
  }

  private wake(): void {
    this.waiters = this.waiters.filter((w) => {
      if (this.records.length < w.n) return true;
      w.resolve();
      return false;
    });
  }
}

export class CollectingMetricReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

export const macrotask = () => new Promise<void>((r) => setTimeout(r, 0));

/** Each processor under test: its name, how to make it, and whether it is ours. */
export const PROCESSORS = [
  ['BatchLogRecordProcessor', makeBlrp, false],
  ['SamplingLogRecordProcessor', makeOurs, true],
] as const;

/**
 * The errors reported to the global error handler and the diag warnings of the running test,
 * emptied before each (call at the top of a test file: it registers the hooks).
 */
export function captureDiagnostics(): { errors: Error[]; warnings: string[] } {
  const errors: Error[] = [];
  const warnings: string[] = [];
  beforeEach(() => {
    errors.length = 0;
    warnings.length = 0;
    setGlobalErrorHandler((e) => errors.push(e as Error));
    diag.setLogger(
      {
        warn: (m: string) => warnings.push(m),
        error: () => {},
        info: () => {},
        debug: () => {},
        verbose: () => {},
      },
      { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
    );
  });
  afterEach(() => {
    vi.useRealTimers();
    setGlobalErrorHandler(loggingErrorHandler());
    diag.disable();
  });
  return { errors, warnings };
}

/** A processor made by `make` behind a LoggerProvider, with an `emit(n)` of numbered records. */
export function conformanceSetup(make: Make) {
  function setup(options: BufferOptions = {}, exporter = new KnobExporter()) {
    const processor = make(exporter, options);
    const provider = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': 'conformance' }),
      processors: [processor],
    });
    const logger = provider.getLogger('conformance');
    const emit = (n: number, from = 0) => {
      for (let i = from; i < from + n; i++)
        logger.emit({ severityNumber: 9, body: `r${i}`, attributes: { i } });
    };
    return { processor, provider, logger, exporter, emit };
  }
  const ids = (e: KnobExporter) => e.records.map((r) => r.attributes.i);
  return { setup, ids };
}
