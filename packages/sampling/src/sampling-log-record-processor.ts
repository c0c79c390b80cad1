import { type Context, context } from '@opentelemetry/api';
import { BindOnceFuture, globalErrorHandler, type InstrumentationScope } from '@opentelemetry/core';
import type {
  LogRecordExporter,
  LogRecordProcessor,
  ReadableLogRecord,
  ReadWriteLogRecord,
} from '@opentelemetry/sdk-logs';
import { cleanLogRecord, SEVERITY_CLASS_COUNT, SeverityClass } from '@spillway/record-format';
import type { ComponentMetrics } from '@spillway/self-metrics';
import { BackfillAdmission } from './internal/backfill-admission';
import { BackfillKeeper } from './internal/backfill-keeper';
import { resolveBackfill } from './internal/backfill-options';
import { Clock } from './internal/clock';
import { ExportDriver } from './internal/export-driver';
import { PolicyState } from './internal/policy-state';
import { registerProcessorMetrics } from './internal/processor-metrics';
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
 * per-trace silencing of chatty INFO-or-lower records, per-class rate limits shared among message
 * templates (flood control: one noisy template is thinned by trace, the others kept),
 * and a severity-aware bounded queue; with `backfill`, the sampled-out records of a traced request
 * are held for a window and kept after all if the request keeps an ERROR. Every record it does not
 * deliver is counted by reason and class ({@link getStats}). `onEmit` and `enabled` never throw
 * and never do I/O, except that a FATAL record and the queue are handed synchronously to an
 * exporter that implements `exportSync`, and so is the oldest batch of a full queue (overflow goes
 * to the WAL, not to the floor).
 */
export class SamplingLogRecordProcessor implements LogRecordProcessor {
  private readonly exporter: LogRecordExporter & Partial<SyncLogRecordExporter>;
  private readonly policy: PolicyState;
  private readonly stats = new ProcessorStats();
  private readonly queue: SeverityQueue;
  private readonly driver: ExportDriver;
  private readonly metrics: ComponentMetrics;
  private readonly silencer: TraceSilencer;
  private readonly decider: SamplingDecider;
  private readonly backfill: BackfillKeeper | undefined;
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
    // Summaries (silenced traces, thinned templates) are kept without being offered.
    const keepSummary = (summary: ReadableLogRecord): void => {
      this.stats.summaries++;
      this.stats.kept[SeverityClass.INFO]!++;
      // Checked as every queued record is (it carries a template key or trace id from a record).
      this.enqueue(cleanLogRecord(summary, this.stats.substituted), SeverityClass.INFO);
    };
    const onSummary = (entry: TraceEntry, exit: SilenceExit): void => {
      const summary = silenceSummaryRecord(entry, exit, Date.now());
      if (summary !== undefined) keepSummary(summary);
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
      keepSummary,
    );
    const backfill = resolveBackfill(options.backfill);
    if (backfill !== undefined) {
      const admission = new BackfillAdmission(
        this.policy,
        this.silencer,
        this.stats,
        this.clock,
        this.decider,
        () => this.driver.arm(),
      );
      this.backfill = new BackfillKeeper(
        backfill,
        this.policy,
        this.stats,
        this.clock,
        admission,
        (record, cls) => {
          this.stats.kept[cls]!++;
          this.enqueue(record, cls);
        },
        () => this.driver.arm(),
      );
    }
    this.driver = new ExportDriver(this.exporter, this.queue, this.stats, o, () =>
      this.housekeeping(),
    );
    this.metrics = registerProcessorMetrics(
      options.meterProvider ?? options.selfObsMeterProvider,
      this.stats,
      { queue: () => this.queue, capacity: o.maxQueueSize, effectiveRatios: this.policy.effRatio },
    );
    this.shutdownOnce = new BindOnceFuture(this.doShutdown, this);
  }

  /**
   * Whether a record of this severity in this context could be kept: false when it would certainly
   * be dropped (class ratio 0, the trace below the class threshold, the trace silenced), so callers
   * that ask first never build the record. The SDK's `Logger.emit` asks too, so a refused record is
   * counted as dropped here. With `backfill` on it is true for every record of TRACE to WARN (at a
   * ratio above 0) with a valid trace context, whatever the sampling says: any of them might be
   * backfilled, so it must be built; the rest (no trace context, ERROR and above, ratio 0) are
   * asked as without backfill. Never throws.
   */
  enabled(options: EnabledOptions): boolean {
    if (this.isShutdown) return false;
    try {
      const ctx = options.context ?? context.active();
      if (this.backfill?.mayHold(options.severityNumber, ctx) === true) return true;
      return this.decider.ask(options.severityNumber, ctx);
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
    this.decider.flushTemplates();
    await this.driver.flushAll();
    await this.driver.flushExporter();
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
      this.decider.flushTemplates();
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
    const stats = this.stats.snapshot(
      this.policy,
      this.queue,
      this.driver.inFlightRecords,
      this.silencer.size,
    );
    if (this.backfill !== undefined) stats.backfill = this.backfill.snapshot();
    return stats;
  }

  // Decides, then queues a kept record, normalised (a record no encoder can write must not reach
  // the queue or the exporter), after the threshold attribute when a ratio below 1 applied. Here,
  // on the emit call, the record's fields are still in the CPU's cache: the same check on a batch
  // leaving the queue, 512 records later, measured a quarter slower. Only normalised records enter
  // the queue, so the export driver marks the batches it hands on (markNormalizedBatch) and a
  // spillway exporter behind does not walk them again.
  private process(record: ReadWriteLogRecord): void {
    const cls = recordClassOf(record);
    const backfill = this.backfill;
    if (backfill === undefined) {
      if (!this.decider.admit(record, cls)) return;
    } else if (!this.admitOrHold(backfill, record, cls)) {
      return;
    }
    if (cls === SeverityClass.FATAL) {
      this.keepFatal(record);
      return;
    }
    const th = this.decider.threshold;
    if (th !== '') record.setAttribute('sampling.threshold', th);
    this.stats.kept[cls]!++;
    this.enqueue(cleanLogRecord(record, this.stats.substituted), cls);
  }

  // The decider's verdict with backfill on. A record the decider counted as sampled out is handed
  // to backfill, which takes it over (the count is withdrawn: it is held, or kept in a hot trace);
  // an ERROR-or-above record kept releases its trace's held records, queued before it. The decider
  // does not say why it refused, so "sampled out" is read off its counter.
  private admitOrHold(backfill: BackfillKeeper, record: ReadWriteLogRecord, cls: number): boolean {
    const sampled = Reason.SAMPLED * SEVERITY_CLASS_COUNT + cls;
    const before = this.stats.dropped[sampled]!;
    if (!this.decider.admit(record, cls)) {
      if (this.stats.dropped[sampled] !== before && backfill.takeOver(record, cls)) {
        this.stats.dropped[sampled]!--;
      }
      return false;
    }
    if (cls >= SeverityClass.ERROR) backfill.triggered(record);
    return true;
  }

  // Normalised before it goes anywhere: a record no encoder can write must not fail the
  // write-through of the queued records handed over with it.
  private keepFatal(unclean: ReadableLogRecord): void {
    const record = cleanLogRecord(unclean, this.stats.substituted);
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

  // Timer work: expire idle traces, end flood-control intervals; true while there is more to do.
  private housekeeping(): boolean {
    this.clock.read();
    this.silencer.expire();
    const backfilling = this.backfill?.expire() === true;
    const thinning = this.decider.tickTemplates();
    return thinning || backfilling || this.silencer.size > 0;
  }

  private async doShutdown(): Promise<void> {
    this.isShutdown = true;
    this.backfill?.clear();
    this.silencer.clear('shutdown');
    this.decider.flushTemplates();
    await this.driver.flushAll();
    this.driver.stop();
    this.metrics.shutdown();
    await this.exporter.shutdown();
  }
}
