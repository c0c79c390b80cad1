import { type Context, context } from '@opentelemetry/api';
import { BindOnceFuture, globalErrorHandler, type InstrumentationScope } from '@opentelemetry/core';
import type {
  LogRecordExporter,
  LogRecordProcessor,
  ReadableLogRecord,
  ReadWriteLogRecord,
} from '@opentelemetry/sdk-logs';
import { normalizeLogRecord, SEVERITY_CLASS_COUNT, SeverityClass } from '@spillway/record-format';
import { Clock } from './internal/clock';
import { ExportDriver } from './internal/export-driver';
import { PolicyState } from './internal/policy-state';
import { ProcessorStats, Reason } from './internal/processor-stats';
import { RecordRandomness } from './internal/record-randomness';
import { resolveOptions } from './internal/resolve-options';
import { recordClassOf, SamplingDecider } from './internal/sampling-decider';
import { estimateRecordBytes, SeverityQueue } from './internal/severity-queue';
import { silenceSummaryRecord } from './internal/silence-summary';
import { type SilenceExit, type TraceEntry, TraceSilencer } from './internal/trace-silencer';
import type {
  EffectiveSamplingPolicy,
  SamplingLogRecordProcessorOptions,
  SamplingPolicy,
  SamplingStats,
  SyncLogRecordExporter,
} from './types';

/** What `enabled()` receives from the SDK's `Logger.enabled` (structural: 2.x and 3.x differ). */
export interface EnabledOptions {
  context?: Context;
  instrumentationScope?: InstrumentationScope;
  severityNumber?: number;
  eventName?: string;
}

/**
 * A drop-in for the SDK's `BatchLogRecordProcessor` (same options, same defaults) that decides
 * before it queues: per-class keep ratios applied consistently per trace (OTel threshold sampling),
 * per-trace silencing of chatty INFO-or-lower records, per-class rate limits that back off by trace,
 * and a severity-aware bounded queue. Every record it does not deliver is counted by reason and
 * class ({@link getStats}). `onEmit` and `enabled` never throw and never do I/O, except that a
 * FATAL record and the queue are handed synchronously to an exporter that implements `exportSync`,
 * and so is the oldest batch of a full queue (overflow goes to the WAL, not to the floor).
 */
export class SamplingLogRecordProcessor implements LogRecordProcessor {
  private readonly exporter: LogRecordExporter & Partial<SyncLogRecordExporter>;
  private readonly policy: PolicyState;
  private readonly stats = new ProcessorStats();
  private readonly queue: SeverityQueue;
  private readonly driver: ExportDriver;
  private readonly silencer: TraceSilencer;
  private readonly decider: SamplingDecider;
  private readonly clock = new Clock();
  private readonly shutdownOnce: BindOnceFuture<void>;
  // The exporter takes records synchronously: overflow goes there instead of being dropped.
  private readonly spills: boolean;
  private isShutdown = false;

  constructor(options: SamplingLogRecordProcessorOptions) {
    this.exporter = options.exporter;
    this.spills = typeof this.exporter.exportSync === 'function';
    const o = resolveOptions(options);
    this.policy = new PolicyState(options, o.rateLimitIntervalMillis, this.clock);
    this.queue = new SeverityQueue(o.maxQueueSize, o.maxQueueBytes, (cls) =>
      this.stats.drop(Reason.QUEUE_FULL, cls),
    );
    const onSummary = (entry: TraceEntry, exit: SilenceExit): void => {
      const summary = silenceSummaryRecord(entry, exit, Date.now());
      if (summary === undefined) return;
      this.stats.summaries++;
      this.stats.kept[SeverityClass.INFO]!++;
      this.enqueue(summary, SeverityClass.INFO);
    };
    this.silencer = new TraceSilencer(
      o.silenceMaxTraces,
      o.silenceTtlMillis,
      onSummary,
      this.clock,
    );
    this.decider = new SamplingDecider(
      this.policy,
      new RecordRandomness(this.policy),
      this.silencer,
      this.stats,
      this.clock,
      () => this.driver.arm(),
    );
    this.driver = new ExportDriver(this.exporter, this.queue, this.stats, o, () =>
      this.housekeeping(),
    );
    const meterProvider = options.meterProvider ?? options.selfObsMeterProvider;
    if (meterProvider !== undefined) {
      this.stats.registerMetrics(
        meterProvider,
        () => this.queue,
        o.maxQueueSize,
        this.policy.effRatio,
      );
    }
    this.shutdownOnce = new BindOnceFuture(this.doShutdown, this);
  }

  /**
   * Whether a record of this severity in this context could be kept: false when it would certainly
   * be dropped (class ratio 0, the trace below the class threshold, the trace silenced), so callers
   * that ask first never build the record. The SDK's `Logger.emit` asks too, so a refused record is
   * counted as dropped here. Never throws.
   */
  enabled(options: EnabledOptions): boolean {
    if (this.isShutdown) return false;
    try {
      return this.decider.ask(options.severityNumber, options.context ?? context.active());
    } catch (e) {
      globalErrorHandler(e as Error);
      return true;
    }
  }

  /** Decides, and queues the record if kept. Never throws. */
  onEmit(logRecord: ReadWriteLogRecord, _context?: Context): void {
    if (this.isShutdown) return;
    try {
      this.process(logRecord);
    } catch (e) {
      globalErrorHandler(e as Error);
    }
  }

  /**
   * Exports everything queued (with summaries of silenced traces so far), then flushes the
   * exporter. An export in flight is sped up with the exporter's `forceFlush` rather than waited
   * out, as the SDK's batch processor does.
   */
  async forceFlush(): Promise<void> {
    if (this.shutdownOnce.isCalled) return this.shutdownOnce.promise;
    this.silencer.flush();
    await this.driver.flushAll();
    await this.exporter.forceFlush?.();
  }

  /** Summaries for every silenced trace, exports everything queued, shuts the exporter down. Idempotent. */
  shutdown(): Promise<void> {
    return this.shutdownOnce.call();
  }

  /**
   * Hands the whole queue (and summaries of silenced traces) to `exporter.exportSync`, before
   * returning; does nothing if the exporter has no `exportSync`. For process `exit` handlers, where
   * nothing asynchronous runs any more.
   */
  flushSync(): void {
    if (this.exporter.exportSync === undefined) return;
    try {
      this.silencer.flush();
      this.driver.exportSync(this.queue.take(this.queue.size));
    } catch (e) {
      globalErrorHandler(e as Error);
    }
  }

  /**
   * Swaps ratios, rate limits, silencing and the no-trace-context policy at once. Each given part
   * is merged over the policy in force, `ratios` and `rateLimits` class by class (a limit of 0
   * removes that class's limit); with `keepAll: true` over the keep-everything base instead.
   * Validated whole first: on a bad value nothing changes. {@link getPolicy} reads the result.
   * @throws RangeError naming the bad value.
   */
  updatePolicy(policy: SamplingPolicy): void {
    this.clock.read();
    this.policy.update(policy);
    this.driver.arm();
  }

  /**
   * The policy in force, every part set: the defaults, the constructor's options and each
   * `updatePolicy` merged in (`updatePolicy({ ratios: { info: 0.01 } })` reads back all six
   * ratios). A copy: changing it changes nothing.
   */
  getPolicy(): EffectiveSamplingPolicy {
    return this.policy.snapshot();
  }

  /** Counts so far: offered, kept, exported and dropped by reason, per class; queue; ratios. */
  getStats(): SamplingStats {
    return this.stats.snapshot(
      this.policy,
      this.queue,
      this.driver.inFlightRecords,
      this.silencer.size,
    );
  }

  // Decides, then queues a kept record (normalised: a record no encoder can write must not reach
  // the queue or the exporter), after the threshold attribute when a ratio below 1 applied.
  private process(record: ReadWriteLogRecord): void {
    const cls = recordClassOf(record);
    if (!this.decider.admit(record, cls)) return;
    if (cls === SeverityClass.FATAL) {
      this.keepFatal(record);
      return;
    }
    const th = this.policy.effHex[cls]!;
    if (this.decider.sampled && th !== '') record.setAttribute('sampling.threshold', th);
    this.stats.kept[cls]!++;
    this.enqueue(normalizeLogRecord(record, this.stats.substituted), cls);
  }

  // Normalised before it goes anywhere: a record no encoder can write must not fail the
  // write-through of the queued records handed over with it.
  private keepFatal(unclean: ReadableLogRecord): void {
    const record = normalizeLogRecord(unclean, this.stats.substituted);
    this.stats.kept[SeverityClass.FATAL]!++;
    if (this.exporter.exportSync !== undefined) {
      const batch = this.queue.take(this.queue.size);
      batch.push(record);
      this.driver.exportSync(batch);
      return;
    }
    this.enqueue(record, SeverityClass.FATAL);
    void this.driver.flushAll();
  }

  // A full queue spills its oldest batch to exportSync when the exporter has it (in order, before
  // this record); only without exportSync does the severity-aware eviction or a queue_full drop apply.
  private enqueue(record: ReadableLogRecord, cls: number): void {
    const bytes = estimateRecordBytes(record);
    if (this.spills && !this.queue.fits(bytes) && !this.driver.spill(bytes)) {
      const counts = new Int32Array(SEVERITY_CLASS_COUNT);
      counts[cls] = 1;
      this.driver.spillBatch([record], counts);
      return;
    }
    if (this.queue.push(record, cls, bytes)) this.driver.afterPush();
    else this.stats.drop(Reason.QUEUE_FULL, cls);
  }

  // Timer work: expire idle traces, let rate-limit backoff recover; true while there is more to do.
  private housekeeping(): boolean {
    this.clock.read();
    this.silencer.expire();
    let backoff = false;
    for (let c = 0; c < SEVERITY_CLASS_COUNT; c++) {
      this.policy.tick(c);
      if ((this.policy.limiters[c]?.level ?? 0) > 0) backoff = true;
    }
    return backoff || this.silencer.size > 0;
  }

  private async doShutdown(): Promise<void> {
    this.isShutdown = true;
    this.silencer.clear('shutdown');
    await this.driver.flushAll();
    this.driver.stop();
    this.stats.unregisterMetrics();
    await this.exporter.shutdown();
  }
}
