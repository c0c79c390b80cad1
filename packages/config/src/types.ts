import type { RedactionSpec } from '@spillway/redaction';
import type { EffectiveSamplingPolicy, SamplingPolicy, TemplateKey } from '@spillway/sampling';
import type { ClassTable, NoTraceContext } from './sampling-values';
import type { FsyncPolicy } from './value-parsers';

export type { ClassTable, FsyncPolicy, NoTraceContext, RedactionSpec };

/** Sampling ratios for every severity class, 0–1. */
export type SamplingRatios = EffectiveSamplingPolicy['ratios'];

/**
 * The effective configuration of the pipeline, read from `OTEL_CONFIG_FILE` when it is set, else
 * from the environment (see `readSpillwayConfig`), with defaults for what is unset or
 * invalid. Each field names its variable; its `OTEL_CONFIG_FILE` property is in variables.ts.
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
  /** `SPILLWAY_TEMPLATE_KEY`: what a record's flood-control template is (`body` or an attribute). */
  templateKey: TemplateKey;
  /**
   * `SPILLWAY_BACKFILL`: the error-triggered backfill window in milliseconds (0 = off): records a
   * trace would lose to sampling are held that long in case an error comes in the trace.
   */
  backfillMillis: number;
  /** `SPILLWAY_FSYNC`. */
  fsync: FsyncPolicy;
  /** `SPILLWAY_MAX_DISK_BYTES`: everything under `directory`, split half WAL, half fallback files. */
  maxDiskBytes: number;
  /** `SPILLWAY_MIN_FREE_BYTES`: free-space floor on the directory's file system. */
  minFreeBytes: number;
  /** `SPILLWAY_FAILOVER`: `file` sends to local zstd files while the collector is unreachable. */
  failover: 'file' | 'none';
  /**
   * `SPILLWAY_EXPORT_THREAD`: where spillway's own OTLP exporter serialises and sends: `main` (the
   * default) or `worker` (a worker thread: less event-loop CPU, more CPU in all). An exporter given
   * in code always runs on the main thread.
   */
  exportThread: 'worker' | 'main';
  /**
   * `SPILLWAY_ENCRYPTION_KEY_FILE`: keys (64 hex digits, or `<id>:<hex>` lines, the last active)
   * that encrypt every frame of the failover and spill files (AES-256-GCM); unset = plain.
   */
  encryptionKeyFile: string | undefined;
  /** `SPILLWAY_CHAIN=on`: a hash chain over the frames of every file (tamper evidence). */
  chain: boolean;
  /** `SPILLWAY_CHAIN_KEY_FILE`: the chain is an HMAC with this file's active key (implies on). */
  chainKeyFile: string | undefined;
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
  /**
   * The OTLP gRPC exporter's settings from the file's `exporter.otlp_grpc` block; undefined without
   * a file (the exporter then reads its own `OTEL_EXPORTER_OTLP_LOGS_*` variables).
   */
  otlp?: OtlpGrpcExporterSettings;
}

/** The spec's `otlp_grpc` exporter block, read from `OTEL_CONFIG_FILE`. */
export interface OtlpGrpcExporterSettings {
  /** `endpoint`, e.g. `http://collector:4317`. */
  endpoint?: string;
  /** `headers` (a list of `{ name, value }`) over `headers_list` (`k=v,k=v`). */
  headers: Record<string, string>;
  /** `compression`: `gzip` or `none`. */
  compression?: 'gzip' | 'none';
  /** `timeout`, ms. */
  timeoutMillis?: number;
  /** `insecure` (or `tls.insecure`): plaintext to an `https`-less endpoint. */
  insecure?: boolean;
  /** `certificate_file` (or `tls.ca_file`): CA certificate, PEM. */
  certificateFile?: string;
  /** `client_key_file` (or `tls.key_file`): client key, PEM, for mTLS. */
  clientKeyFile?: string;
  /** `client_certificate_file` (or `tls.cert_file`): client certificate, PEM, for mTLS. */
  clientCertificateFile?: string;
}

/**
 * A value that was not accepted (the pipeline used `defaultText` instead), or an
 * `OTEL_CONFIG_FILE` that could not be used.
 */
export interface ConfigProblem {
  /** The variable, or the file property (`spillway.fsync`). */
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
  source: 'env' | 'file' | 'default' | 'cgroup' | 'override' | 'SPILLWAY_SAMPLING=all';
}

/** What `readSpillwayConfig` returns. */
export interface SpillwayConfigReport {
  config: SpillwayConfig;
  problems: ConfigProblem[];
  /** Warnings that are not about one value (e.g. `SPILLWAY_*` ignored beside the file). */
  warnings: string[];
  entries: ConfigEntry[];
  /** The configuration file read (`OTEL_CONFIG_FILE`), when one was set. */
  file: string | undefined;
}

/** Options of `readSpillwayConfig`. */
export interface ReadSpillwayConfigOptions {
  /** Where the cgroup file system is mounted. Default `/sys/fs/cgroup`. */
  cgroupRoot?: string;
  /**
   * The service name given in code: wins over the file's `resource` and `OTEL_SERVICE_NAME`, and
   * names the default directory.
   */
  serviceName?: string;
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
export type SamplingPolicyUpdate = Omit<SamplingPolicy, 'keepAll'>;

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
