import { type Context, context, type SpanContext, trace } from '@opentelemetry/api';
import { BindOnceFuture, globalErrorHandler, type InstrumentationScope } from '@opentelemetry/core';
import type {
  LogRecordExporter,
  LogRecordProcessor,
  ReadableLogRecord,
  ReadWriteLogRecord,
} from '@opentelemetry/sdk-logs';
import {
  emptySubstitutionCounts,
  normalizeLogRecord,
  severityClassOf,
} from '@spillway/record-format';
import { Clock } from './internal/clock';
import { ExportDriver } from './internal/export-driver';
import { FATAL, INFO, NoTrace, PolicyState } from './internal/policy-state';
import { ProcessorStats, Reason } from './internal/processor-stats';
import type { RateLimiter } from './internal/rate-limiter';
import { KEEP, RecordRandomness } from './internal/record-randomness';
import { resolveOptions } from './internal/resolve-options';
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
  private readonly randomness: RecordRandomness;
  private readonly clock = new Clock();
  private readonly shutdownOnce: BindOnceFuture<void>;
  // The exporter takes records synchronously: overflow goes there instead of being dropped.
  private readonly spills: boolean;
  private isShutdown = false;
  // The record enabled() last refused (and counted): if the SDK calls onEmit for it anyway
  // (another processor said yes), it is not counted twice.
  private denied = false;
  private deniedContext: SpanContext | undefined;
  private deniedClass = -1;

  constructor(options: SamplingLogRecordProcessorOptions) {
    this.exporter = options.exporter;
    this.spills = typeof this.exporter.exportSync === 'function';
    const o = resolveOptions(options);
    this.policy = new PolicyState(options, o.rateLimitIntervalMillis, this.clock);
    this.randomness = new RecordRandomness(this.policy);
    this.queue = new SeverityQueue(o.maxQueueSize, o.maxQueueBytes, (cls) =>
      this.stats.drop(Reason.QUEUE_FULL, cls),
    );
    const onSummary = (entry: TraceEntry, exit: SilenceExit): void => {
      const summary = silenceSummaryRecord(entry, exit, Date.now());
      if (summary === undefined) return;
      this.stats.summaries++;
      this.stats.kept[INFO]!++;
      this.enqueue(summary, INFO);
    };
    this.silencer = new TraceSilencer(
      o.silenceMaxTraces,
      o.silenceTtlMillis,
      onSummary,
      this.clock,
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
      return this.decideEnabled(options);
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

  private decideEnabled(options: EnabledOptions): boolean {
    const n = options.severityNumber;
    // Without a severity number the class may come from severityText, which enabled() never sees.
    // Anything but an integer 1–24 is classed by onEmit, from the normalised record.
    if (typeof n !== 'number' || !(n >= 1 && n <= 24) || Math.floor(n) !== n) return this.allow();
    const cls = (n - 1) >> 2;
    if (cls === FATAL) return this.allow();
    const p = this.policy;
    if (p.limiters[cls] !== undefined) {
      this.clock.update();
      p.tick(cls);
    }
    if (p.keepsAll[cls] === 1) return this.allow();
    const sc = trace.getSpanContext(options.context ?? context.active());
    if (sc !== undefined && this.randomness.fromTrace(sc)) {
      const outcome = this.randomness.compare(cls);
      if (outcome !== KEEP) return this.deny(outcome, cls, sc);
      if (cls <= INFO && p.silenceAfter > 0) {
        const entry = this.silencer.get(sc.traceId);
        if (entry !== undefined && entry.kept >= p.silenceAfter) {
          this.clock.update();
          this.silence(this.silencer.touch(sc.traceId), cls);
          return this.deny(Reason.SILENCED, cls, sc);
        }
      }
      return this.allow();
    }
    switch (p.noTraceMode) {
      case NoTrace.DROP:
        return this.deny(Reason.SAMPLED, cls, undefined);
      case NoTrace.RANDOM: {
        const outcome = this.randomness.comparePending(cls);
        if (outcome === KEEP) return this.allow();
        return this.deny(outcome, cls, undefined);
      }
      default:
        return p.ratios[cls] === 0 ? this.deny(Reason.SAMPLED, cls, undefined) : this.allow();
    }
  }

  private allow(): boolean {
    this.denied = false;
    return true;
  }

  private deny(reason: number, cls: number, sc: SpanContext | undefined): boolean {
    this.stats.drop(reason, cls);
    this.denied = true;
    this.deniedContext = sc;
    this.deniedClass = cls;
    return false;
  }

  private process(record: ReadWriteLogRecord): void {
    const n = record.severityNumber as unknown;
    const cls =
      typeof n === 'number' && n >= 1 && n <= 24 && Math.floor(n) === n
        ? (n - 1) >> 2
        : cleanClassOf(record);
    const sc = record.spanContext;
    if (this.denied) {
      this.denied = false;
      // enabled() refused and counted this very record; another processor let it through.
      if (this.deniedContext === sc && this.deniedClass === cls) return;
    }
    if (cls === FATAL) {
      this.keepFatal(record);
      return;
    }
    const p = this.policy;
    const limiter = p.limiters[cls];
    if (limiter !== undefined) {
      this.clock.update();
      p.tick(cls);
    }
    if (p.keepsAll[cls] === 1) {
      this.keep(record, cls, limiter, false);
      return;
    }
    const traced = sc !== undefined && this.randomness.fromTrace(sc);
    let sampled = true;
    if (!traced) {
      sampled = this.randomness.fromRecord(record);
      if (!sampled && (p.noTraceMode === NoTrace.DROP || p.ratios[cls] === 0)) {
        this.stats.drop(Reason.SAMPLED, cls);
        return;
      }
    }
    if (sampled) {
      const outcome = this.randomness.compare(cls);
      if (outcome !== KEEP) {
        this.stats.drop(outcome, cls);
        return;
      }
    }
    let entry: TraceEntry | undefined;
    if (traced && cls <= INFO && p.silenceAfter > 0) {
      if (limiter === undefined) this.clock.update();
      entry = this.silencer.touch(sc.traceId);
      entry.spanContext = sc;
      entry.resource = record.resource;
      entry.scope = record.instrumentationScope;
      if (entry.kept >= p.silenceAfter) {
        this.silence(entry, cls);
        this.stats.drop(Reason.SILENCED, cls);
        return;
      }
      this.driver.arm();
    }
    if (this.keep(record, cls, limiter, sampled) && entry !== undefined) entry.kept++;
  }

  // The last steps for a record the policy keeps: the rate limit's token, the threshold attribute
  // (when a ratio below 1 applied), the queue. False when the rate limit dropped it.
  private keep(
    record: ReadWriteLogRecord,
    cls: number,
    limiter: RateLimiter | undefined,
    sampled: boolean,
  ): boolean {
    if (limiter !== undefined && !limiter.tryTake()) {
      this.stats.drop(Reason.RATE_LIMITED, cls);
      return false;
    }
    const th = this.policy.effHex[cls]!;
    if (sampled && th !== '') record.setAttribute('sampling.threshold', th);
    this.stats.kept[cls]!++;
    this.enqueue(normalizeLogRecord(record, this.stats.substituted), cls);
    return true;
  }

  private silence(entry: TraceEntry, cls: number): void {
    entry.silenced[cls]!++;
    entry.silencedTotal++;
  }

  // Normalised before it goes anywhere: a record no encoder can write must not fail the
  // write-through of the queued records handed over with it.
  private keepFatal(unclean: ReadableLogRecord): void {
    const record = normalizeLogRecord(unclean, this.stats.substituted);
    this.stats.kept[FATAL]!++;
    if (this.exporter.exportSync !== undefined) {
      const batch = this.queue.take(this.queue.size);
      batch.push(record);
      this.driver.exportSync(batch);
      return;
    }
    this.enqueue(record, FATAL);
    void this.driver.flushAll();
  }

  // A full queue spills its oldest batch to exportSync when the exporter has it (in order, before
  // this record); only without exportSync does the severity-aware eviction or a queue_full drop apply.
  private enqueue(record: ReadableLogRecord, cls: number): void {
    const bytes = estimateRecordBytes(record);
    if (this.spills && !this.queue.fits(bytes) && !this.driver.spill(bytes)) {
      const counts = new Int32Array(6);
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
    for (let c = 0; c < 6; c++) {
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

// The class of a record whose severityNumber is not an integer 1–24: that of its normalised form
// (which may keep the number's own spelling as severityText), so the class decided here is the one
// every later stage counts. Rare; the scratch counts keep its substitutions from being counted
// twice (the kept record is normalised again, and counted, before it is queued).
const scratch = emptySubstitutionCounts();
function cleanClassOf(record: ReadableLogRecord): number {
  const clean = normalizeLogRecord(record, scratch);
  return severityClassOf(clean.severityNumber as number | undefined, clean.severityText);
}
