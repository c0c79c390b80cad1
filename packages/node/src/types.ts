import type { MeterProvider } from '@opentelemetry/api';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { FsyncPolicy } from '@spillway/record-format';
import type { RedactingLogRecordProcessorOptions, RedactionSpec } from '@spillway/redaction';
import type { ClassTable, NoTraceContext } from './internal/parse-values';

export type { ClassTable, FsyncPolicy, NoTraceContext, RedactionSpec };

/** Sampling ratios for every severity class, 0–1. */
export interface SamplingRatios {
  fatal: number;
  error: number;
  warn: number;
  info: number;
  debug: number;
  trace: number;
}

/**
 * The effective configuration of the pipeline, read from the environment (see
 * {@link readSpillwayConfig}) with defaults for what is unset or invalid.
 */
export interface SpillwayConfig {
  /** `OTEL_SERVICE_NAME`, else `service.name` in `OTEL_RESOURCE_ATTRIBUTES`, else `unknown_service:node`. */
  serviceName: string;
  /** `SPILLWAY_DIR`: WAL under `wal/`, fallback files under `files/`. */
  directory: string;
  /** `SPILLWAY_SAMPLING`, merged over the defaults class by class (`all`: every ratio 1). */
  ratios: SamplingRatios;
  /** `SPILLWAY_SAMPLING_NO_TRACE`. */
  noTraceContext: NoTraceContext;
  /** `SPILLWAY_TRACE_SILENCE_AFTER` (0 = off; 0 by default with `SPILLWAY_SAMPLING=all`). */
  traceSilenceAfter: number;
  /** `SPILLWAY_RATE_LIMITS`, records/s per class (empty = none; none by default with
   * `SPILLWAY_SAMPLING=all`). */
  rateLimits: ClassTable;
  /** `SPILLWAY_FSYNC`. */
  fsync: FsyncPolicy;
  /** `SPILLWAY_MAX_DISK_BYTES`: everything under `directory`, split half WAL, half fallback files. */
  maxDiskBytes: number;
  /** `SPILLWAY_MIN_FREE_BYTES`: free-space floor on the directory's file system. */
  minFreeBytes: number;
  /** `SPILLWAY_FAILOVER`: `file` sends to local zstd files while the collector is unreachable. */
  failover: 'file' | 'none';
  /** `SPILLWAY_CONFIG_FILE`: JSON sampling policy, watched and hot-reloaded. */
  configFile: string | undefined;
  /** `SPILLWAY_SHUTDOWN_TIMEOUT_MS`: how long the register's signal handler flushes. */
  shutdownTimeoutMillis: number;
  /** `SPILLWAY_MAX_QUEUE_BYTES`, else derived from the cgroup memory limit. */
  maxQueueBytes: number;
  /** `SPILLWAY_REDACT`: the redaction rules, applied before anything is queued or written. */
  redaction: RedactionSpec;
  /** `SPILLWAY_MAX_VALUE_CHARS`: longest body or string attribute value kept (0 = no limit). */
  maxValueChars: number;
  /** `OTEL_BLRP_MAX_QUEUE_SIZE`. */
  maxQueueSize: number;
  /** `OTEL_BLRP_MAX_EXPORT_BATCH_SIZE`. */
  maxExportBatchSize: number;
  /** `OTEL_BLRP_SCHEDULE_DELAY`. */
  scheduledDelayMillis: number;
  /** `OTEL_BLRP_EXPORT_TIMEOUT`. */
  exportTimeoutMillis: number;
}

/** A variable whose value was not accepted; the pipeline used `defaultText` instead. */
export interface ConfigProblem {
  variable: string;
  value: string;
  expected: string;
  defaultText: string;
  /** One sentence naming all of the above, as warned. */
  message: string;
}

/** One line of the effective configuration, for `spillway doctor`. */
export interface ConfigEntry {
  variable: string;
  value: string;
  /** Where the value came from; `SPILLWAY_SAMPLING=all` for what that switch set. */
  source: 'env' | 'default' | 'cgroup' | 'override' | 'SPILLWAY_SAMPLING=all';
}

/** What {@link readSpillwayConfig} returns. */
export interface SpillwayConfigReport {
  config: SpillwayConfig;
  problems: ConfigProblem[];
  entries: ConfigEntry[];
}

/**
 * A change to the sampling policy, every part optional, as `updatePolicy` takes it: `ratios` and
 * `rateLimits` name only the classes that change and are merged class by class over the policy in
 * force (a rate limit of 0 removes that class's limit); the other parts replace theirs.
 *
 * ```ts
 * processor.updatePolicy({ ratios: { info: 0.01 } }); // INFO only; the other five ratios stay
 * ```
 */
export interface SamplingPolicyUpdate {
  ratios?: Partial<SamplingRatios>;
  /** Records/s per class; 0 = no limit for that class. */
  rateLimits?: ClassTable;
  traceSilenceAfter?: number;
  noTraceContext?: NoTraceContext;
}

/**
 * The sampling policy a `SPILLWAY_CONFIG_FILE` holds: the same shape as a
 * {@link SamplingPolicyUpdate}, merged the same way, but over the environment's policy each time
 * the file changes (a key removed from the file falls back to the environment's value).
 *
 * ```json
 * { "ratios": { "info": 0.01 }, "rateLimits": { "warn": 500 }, "traceSilenceAfter": 20 }
 * ```
 */
export type SamplingPolicyFile = SamplingPolicyUpdate;

/** Second argument of `createLogRecordProcessorFromEnv`: wins over the environment. */
export interface SpillwayOverrides extends Partial<SpillwayConfig> {
  /** The primary exporter instead of the OTLP gRPC one built from `OTEL_EXPORTER_OTLP_LOGS_*`. */
  exporter?: LogRecordExporter;
  /** Export each stage's counters as OTel metrics. */
  meterProvider?: MeterProvider;
  /** Debounce of `SPILLWAY_CONFIG_FILE` changes, ms. Default 250. */
  configFileDebounceMillis?: number;
  /**
   * Redaction rules in code (value patterns, custom functions, an `emailHashKey`…), merged over
   * `SPILLWAY_REDACT`: globs, patterns and custom rules are added to the environment's; `rules`,
   * `emailHashKey`, `maxValueChars` and `replacement` replace theirs when set.
   */
  redactionRules?: RedactingLogRecordProcessorOptions;
}
