import type { MeterProvider } from '@opentelemetry/api';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { SeverityClassName, SubstitutionCounts } from '@spillway/record-format';
import type { DropCounts, SeverityCounts } from '@spillway/self-metrics';

export type { SeverityClassName };

/** Keep ratios (0–1) per severity class. */
export type SeverityRatios = Partial<Record<SeverityClassName, number>>;

/**
 * Records per second kept per severity class, shared among the class's templates (flood control
 * by template); 0 = no limit. FATAL is never limited.
 */
export type RateLimits = Partial<Record<SeverityClassName, number>>;

/**
 * What a record's template is, for flood control: `'body'` = its event name when set, else the
 * masked shape of its body (numbers, ids, UUIDs, IPs, quoted strings, durations masked);
 * `{ attribute }` = that attribute's value (records without it fall back to `'body'`).
 */
export type TemplateKey = 'body' | { attribute: string };

/**
 * What to do with records that carry no valid trace context: `random` = an independent draw per
 * record at the class ratio; `keep` = keep (unless the class ratio is 0); `drop` = drop (except
 * FATAL); `{ attribute }` = hash that attribute's value as the randomness, so all records sharing it
 * (e.g. a session id) are kept or dropped together (records without it fall back to `random`).
 */
export type NoTraceContextPolicy = 'random' | 'keep' | 'drop' | { attribute: string };

/**
 * Why a record was not delivered. `backfill_evicted`: sampled out, held for backfill, and pushed
 * out of the ring by its byte bounds (total or per trace) before the window passed.
 */
export type DropReason =
  | 'sampled'
  | 'rate_limited'
  | 'silenced'
  | 'queue_full'
  | 'export_failed'
  | 'backfill_evicted';

/**
 * The part of the options that {@link SamplingLogRecordProcessor.updatePolicy} can change. Every
 * part is optional; `ratios` and `rateLimits` may name only the classes that change.
 */
export interface SamplingPolicy {
  /**
   * Keep everything: every ratio 1, no rate limits, trace silencing off, records without trace
   * context kept (`noTraceContext: 'random'` at ratio 1). Use it where every record matters (a
   * debugging session, a low-volume service); `SPILLWAY_SAMPLING=all` in `@spillway/node`. The
   * other parts given beside it still apply over that base (`{ keepAll: true, rateLimits:
   * { error: 200 } }` keeps everything but limits ERROR). In `updatePolicy`, it replaces the whole
   * policy in force with that base first. Default false.
   */
  keepAll?: boolean;
  /** Keep ratio per class, merged over the current ones. Default fatal 1, error 1, warn 0.1,
   * info 0.001, debug 0.001, trace 0.001. FATAL is always 1. */
  ratios?: SeverityRatios;
  /**
   * Records/s per class, merged over the current ones, enforced per template: rare templates are
   * kept whole, the most frequent thinned most, and every template keeps at least a floor per
   * interval (5 for ERROR, 1 below). Default `{ warn: 1000, error: 1000 }`.
   */
  rateLimits?: RateLimits;
  /** INFO-or-lower records kept per trace before the rest are silenced; 0 = off. Default 50. */
  traceSilenceAfter?: number;
  /** Records without a valid trace context. Default `random`. */
  noTraceContext?: NoTraceContextPolicy;
}

/**
 * The policy in force, every part set, as {@link SamplingLogRecordProcessor.policy} reads it back
 * after the constructor's defaults and every `updatePolicy` merge.
 */
export interface EffectiveSamplingPolicy {
  /** Keep ratio of every class. */
  ratios: Record<SeverityClassName, number>;
  /** Records/s of the classes that have a limit (a class left out has none). */
  rateLimits: RateLimits;
  traceSilenceAfter: number;
  noTraceContext: NoTraceContextPolicy;
}

/**
 * The optional synchronous hand-over an exporter may implement (the disk buffer does): the records
 * survive the process when it returns (the disk buffer: in the WAL's page cache, fdatasynced per its
 * `fsync` policy), and so does every batch given to `export` before it that the exporter still holds
 * unwritten. Used for FATAL records, queue overflow and {@link SamplingLogRecordProcessor.flushSync}
 * (which calls it with no records when the queue is empty, for those held batches).
 */
export interface SyncLogRecordExporter {
  exportSync(records: ReadableLogRecord[]): void;
  /**
   * True when every `export` calls back on its own, without the exporter being flushed (the disk
   * buffer: once the batch's write lands). A flush of the processor then waits out each batch and
   * calls the exporter's `forceFlush` once at the end, rather than once per batch while it is in
   * flight (the SDK's processor's way, for exporters that answer only when flushed): one
   * fdatasync per flush instead of one per batch. Optional; absent means false.
   */
  readonly exportsSettleWithoutFlush?: boolean;
}

/** Options of {@link SamplingLogRecordProcessor}. */
export interface SamplingLogRecordProcessorOptions extends SamplingPolicy {
  /**
   * Where batches go. If it implements `exportSync`, FATAL records are handed over synchronously,
   * and so is the overflow of a full queue (the oldest batch, instead of dropping).
   */
  exporter: LogRecordExporter & Partial<SyncLogRecordExporter>;
  /** Records queued at most (env `OTEL_BLRP_MAX_QUEUE_SIZE`). Default 2048. */
  maxQueueSize?: number;
  /**
   * Estimated bytes queued at most. Default a quarter of the V8 heap limit (at least 8 MiB). With
   * an `exportSync` exporter a full queue spills to it rather than dropping.
   */
  maxQueueBytes?: number;
  /** Records per export (env `OTEL_BLRP_MAX_EXPORT_BATCH_SIZE`). Default 512. */
  maxExportBatchSize?: number;
  /** Delay between scheduled exports, ms (env `OTEL_BLRP_SCHEDULE_DELAY`); 0 = at the next timer
   * turn. Default 1000. */
  scheduledDelayMillis?: number;
  /** An export not called back by then counts as failed, ms (env `OTEL_BLRP_EXPORT_TIMEOUT`).
   * Default 30000. */
  exportTimeoutMillis?: number;
  /** Traces tracked for silencing at most (least recently seen evicted). Default 10000. */
  silenceMaxTraces?: number;
  /** A trace not seen for this long leaves the silencing table, ms. Default 30000. */
  silenceTtlMillis?: number;
  /**
   * The rate-limit interval, ms: templates' counts are smoothed and the class budget shared out
   * again at each interval's end, and a thinned template gets one summary per interval. Default 1000.
   */
  rateLimitIntervalMillis?: number;
  /** What a record's template is (env `SPILLWAY_TEMPLATE_KEY`: `body`, `attr:<key>`). Default `'body'`. */
  templateKey?: TemplateKey;
  /**
   * Where the processor's self-metrics go (`otel.sdk.processor.log.*`,
   * `spillway.log_record.dropped`, `spillway.sampling.*`). Default: `selfObsMeterProvider`, else
   * the global MeterProvider.
   */
  meterProvider?: MeterProvider;
  /**
   * The SDK batch processor's option for its own metrics: accepted with the same meaning, the
   * same metrics (`otel.sdk.processor.log.*`) and spillway's are published on it. Used when
   * `meterProvider` is not given.
   */
  selfObsMeterProvider?: MeterProvider;
  /**
   * Error-triggered backfill (`SPILLWAY_BACKFILL=<duration>` in `@spillway/node`); off when not
   * given. See {@link BackfillOptions}.
   */
  backfill?: BackfillOptions;
}

/**
 * Error-triggered backfill: records of a traced request that sampling drops are held for a while,
 * and kept after all if the trace keeps an ERROR-or-above record in that time. Use it when the
 * INFO records of a failing request matter more than the cheapest possible emit: with it on,
 * `enabled()` says yes to every record with a valid trace context in a class whose ratio is above
 * 0 (TRACE to WARN), since any of them might be backfilled. Held records are bounded in total and
 * per trace by their estimated encoded size (the queue's estimate); what does not fit evicts the
 * oldest (counted `backfill_evicted`). Records kept by backfill carry `spillway.backfill=true` and
 * still pass silencing and the rate limits.
 */
export interface BackfillOptions {
  /**
   * How long a sampled-out record is held, and how long a trace stays hot after an ERROR-or-above
   * record is kept in it (its later records are kept too), ms. 0 = off.
   */
  windowMillis: number;
  /** Estimated bytes held at most, over all traces (plus 128 per trace held). Default 16 MiB. */
  maxBytes?: number;
  /** Estimated bytes held at most per trace (capped to `maxBytes`). Default 64 KiB. */
  maxBytesPerTrace?: number;
  /** Hot traces tracked at most (the oldest stops being hot first). Default 10000. */
  maxHotTraces?: number;
}

/** The state of error-triggered backfill, in {@link SamplingStats}. */
export interface BackfillStats {
  /** Records held now (sampled out, waiting for an error in their trace), per class. */
  held: ClassCounts;
  /** Estimated bytes held now (records plus 128 per trace), and the bound. */
  bytes: number;
  maxBytes: number;
  /** Traces with held records. */
  traces: number;
  /** Traces hot now (an ERROR-or-above record kept in the window). */
  hotTraces: number;
  /** Records kept through backfill so far (also in `kept`), per class. */
  kept: ClassCounts;
}

/**
 * Counts per severity class, with their total: the one per-class shape of every stage
 * (`SeverityCounts` of @spillway/self-metrics; `unknown` is always 0 here, as the processor sees
 * every record).
 */
export type ClassCounts = SeverityCounts;

/** The state of one class's rate limit (its template budget). */
export interface RateLimitStats {
  /** Records/s. */
  limit: number;
  /** Templates seen in the last complete interval. */
  templates: number;
  /** Templates thinned in the last complete interval. */
  thinnedTemplates: number;
  /** Records dropped by template thinning so far (also in `dropped.rate_limited`). */
  limited: number;
}

/** The template key table (flood control by template), in {@link SamplingStats}. */
export interface TemplateTableStats {
  /** Template keys in the table, and its bound. */
  size: number;
  maxSize: number;
  /** Keys evicted (least recently seen) to make room, so far. */
  evictions: number;
}

/**
 * What the processor did, from {@link SamplingLogRecordProcessor.getStats}. Invariants:
 * `offered + summaries = kept + dropped.sampled + dropped.rate_limited + dropped.silenced +
 * dropped.backfill_evicted + backfill.held`, and
 * `kept = exported + dropped.queue_full + dropped.export_failed + queue.size + queue.inFlight`.
 */
export interface SamplingStats {
  /** Records the app emitted (asked through `enabled()` and refused, or given to `onEmit`). */
  offered: ClassCounts;
  /** Records that passed the policy (sampling, silencing, rate limit), summaries included. */
  kept: ClassCounts;
  /** Records the exporter acknowledged with SUCCESS (or `exportSync` returned for). */
  exported: ClassCounts;
  /**
   * Records handed to `exportSync` because the queue was full (by count or bytes), also counted
   * in `exported`: overflow that went to the exporter's durable store instead of being dropped.
   */
  spilled: ClassCounts;
  /** `exportSync` calls made for overflow (each takes up to `maxExportBatchSize` records). */
  spillWrites: number;
  /**
   * Records not delivered, by reason. `queue_full` counts only records that found the queue full
   * while the exporter has no `exportSync`, or whose overflow `exportSync` threw; records the
   * disk buffer refuses at its cap are counted `disk_full` in its own stats.
   */
  dropped: DropCounts<DropReason>;
  /** Summary records emitted: "silenced N records" (per trace) and "N seen, M kept" (per thinned template). */
  summaries: number;
  /**
   * Values replaced when kept records were normalised (a cycle, a value nested too deep or
   * unreadable, a number out of range, a non-string text…), by kind: see @spillway/record-format.
   */
  substitutedValues: SubstitutionCounts;
  /** Traces in the silencing table. */
  silencedTraces: number;
  queue: { size: number; bytes: number; maxSize: number; maxBytes: number; inFlight: number };
  /** Ratios configured. */
  ratios: Record<SeverityClassName, number>;
  /** Class ratios in force (= `ratios`: template thinning lowers a template's rate, not the class's). */
  effectiveRatios: Record<SeverityClassName, number>;
  /** Classes with a rate limit. */
  rateLimits: Partial<Record<SeverityClassName, RateLimitStats>>;
  /** The template key table. */
  templates: TemplateTableStats;
  /** Backfill's state; present when backfill is on. */
  backfill?: BackfillStats;
}
