import { join } from 'node:path';
import type { Context, MeterProvider } from '@opentelemetry/api';
import type {
  LogRecordExporter,
  LogRecordProcessor,
  ReadWriteLogRecord,
} from '@opentelemetry/sdk-logs';
import {
  type DiskBufferedLogRecordExporter,
  type DiskBufferStats,
  SlottedDiskBufferedLogRecordExporter,
} from '@spillway/disk-buffer';
import { ZstdFileLogRecordExporter } from '@spillway/file-exporter';
import {
  mergeRedactionOptions,
  RedactingLogRecordProcessor,
  type RedactingLogRecordProcessorOptions,
  redactionOptionsOf,
} from '@spillway/redaction';
import { FailoverLogRecordExporter } from '@spillway/router';
import {
  type EffectiveSamplingPolicy,
  SamplingLogRecordProcessor,
  type SamplingPolicy,
} from '@spillway/sampling';
import { type FileProtection, fileProtectionOf } from './internal/file-protection';
import { PolicyFileWatcher } from './internal/policy-file-watcher';
import { createOtlpGrpcLogExporter } from './otlp-grpc-log-exporter';
import type { ClassTable, SamplingPolicyUpdate, SpillwayConfig } from './types';

/**
 * The sampling policy in force: every part set (see `SamplingPolicyFile` for the file form); the
 * sampling processor's own `EffectiveSamplingPolicy`.
 */
export type SpillwaySamplingPolicy = EffectiveSamplingPolicy;

/** Construction options of {@link SpillwayLogRecordProcessor} besides the configuration. */
export interface SpillwayPipelineOptions {
  /** Primary exporter. Default: OTLP gRPC configured by `OTEL_EXPORTER_OTLP_LOGS_*`. */
  exporter?: LogRecordExporter;
  meterProvider?: MeterProvider;
  /** Debounce of config-file changes, ms. Default 250. */
  configFileDebounceMillis?: number;
  /** Redaction rules in code, merged over `SPILLWAY_REDACT` (see `SpillwayOverrides`). */
  redaction?: RedactingLogRecordProcessorOptions;
  /** Where configuration warnings go. */
  warn: (message: string) => void;
}

/** `getStats()` of the whole pipeline: each stage's own stats. */
export interface SpillwayPipelineStats {
  redaction: ReturnType<RedactingLogRecordProcessor['getStats']>;
  sampling: ReturnType<SamplingLogRecordProcessor['getStats']>;
  /** This process's WAL slot; undefined until the first record reaches it, or without a WAL. */
  diskBuffer: DiskBufferStats | undefined;
  failover: ReturnType<FailoverLogRecordExporter['getStats']> | undefined;
  files: ReturnType<ZstdFileLogRecordExporter['getStats']> | undefined;
}

/**
 * The whole spillway pipeline as one `LogRecordProcessor`, as ARCHITECTURE.md draws it:
 *
 * ```
 * RedactingLogRecordProcessor → SamplingLogRecordProcessor → SlottedDiskBufferedLogRecordExporter (<dir>/wal, a slot per process)
 *   → FailoverLogRecordExporter [ primary (OTLP gRPC, in a worker thread by default), ZstdFileLogRecordExporter (<dir>/files) ]
 * ```
 *
 * Redaction runs first, on the record object every later stage shares, so no byte of a secret
 * its rules catch reaches the queue, the WAL, the files or the network.
 *
 * Usually made by `createLogRecordProcessorFromEnv`. Each stage stays reachable for its stats;
 * `shutdown()` shuts the chain down in order and stops watching the config file.
 */
export class SpillwayLogRecordProcessor implements LogRecordProcessor {
  readonly config: SpillwayConfig;
  readonly redaction: RedactingLogRecordProcessor;
  readonly sampling: SamplingLogRecordProcessor;
  /**
   * The WAL: each process of the service writes its own slot under `<dir>/wal`, taken on the
   * first record that reaches it (a process that never logs takes none).
   */
  readonly wal: SlottedDiskBufferedLogRecordExporter;
  /** Undefined with `SPILLWAY_FAILOVER=none`. */
  readonly failover: FailoverLogRecordExporter | undefined;
  readonly fileExporter: ZstdFileLogRecordExporter | undefined;
  readonly primaryExporter: LogRecordExporter;
  private currentPolicy: SpillwaySamplingPolicy;
  private readonly envPolicy: SpillwaySamplingPolicy;
  private readonly watcher: PolicyFileWatcher | undefined;
  private readonly listeners = new Set<(policy: SpillwaySamplingPolicy) => void>();
  private shutdownOnce: Promise<void> | undefined;

  constructor(config: SpillwayConfig, options: SpillwayPipelineOptions) {
    this.config = config;
    const { meterProvider } = options;
    const code = options.redaction ?? {};
    this.redaction = new RedactingLogRecordProcessor(
      mergeRedactionOptions(
        {
          ...redactionOptionsOf(config.redaction, code.emailHashKey),
          maxValueChars: config.maxValueChars,
          meterProvider,
        },
        code,
      ),
    );
    this.primaryExporter = options.exporter ?? createOtlpGrpcLogExporter();
    let downstream = this.primaryExporter;
    const halfDisk = Math.floor(config.maxDiskBytes / 2);
    const protection = fileProtectionOf(config, options.warn);
    if (config.failover === 'file' && !protection.refused) {
      this.fileExporter = new ZstdFileLogRecordExporter({
        directory: join(config.directory, 'files'),
        serviceName: config.serviceName,
        retention: { maxTotalBytes: halfDisk },
        minFreeBytes: config.minFreeBytes,
        ...(protection.encryption ? { encryption: protection.encryption } : {}),
        ...(protection.chain ? { chain: protection.chain } : {}),
        meterProvider,
      });
      this.failover = new FailoverLogRecordExporter({
        exporters: [this.primaryExporter, this.fileExporter],
        names: ['otlp', 'files'],
        meterProvider,
      });
      downstream = this.failover;
    }
    this.wal = this.createWal(downstream, halfDisk, options, protection);
    this.envPolicy = {
      ratios: config.ratios,
      rateLimits: config.rateLimits,
      traceSilenceAfter: config.traceSilenceAfter,
      noTraceContext: config.noTraceContext,
    };
    this.currentPolicy = this.envPolicy;
    if (config.configFile) {
      this.watcher = new PolicyFileWatcher(
        config.configFile,
        options.configFileDebounceMillis ?? 250,
        (file) => {
          try {
            this.applyPolicy(this.mergeFile(file));
          } catch (e) {
            options.warn(
              `SPILLWAY_CONFIG_FILE ${config.configFile}: ${(e as Error).message}; keeping the last good policy.`,
            );
          }
        },
        options.warn,
      );
      const initial = this.watcher.loadNow();
      if (initial) this.currentPolicy = this.mergeFile(initial);
    }
    this.sampling = new SamplingLogRecordProcessor({
      exporter: this.wal,
      maxQueueSize: config.maxQueueSize,
      maxExportBatchSize: config.maxExportBatchSize,
      scheduledDelayMillis: config.scheduledDelayMillis,
      exportTimeoutMillis: config.exportTimeoutMillis,
      maxQueueBytes: config.maxQueueBytes,
      meterProvider,
      templateKey: config.templateKey,
      ...(config.backfillMillis > 0 ? { backfill: { windowMillis: config.backfillMillis } } : {}),
      ...toSamplingPolicy(this.currentPolicy),
    });
    this.watcher?.start();
  }

  onEmit(logRecord: ReadWriteLogRecord, context?: Context): void {
    this.redaction.onEmit(logRecord, context);
    this.sampling.onEmit(logRecord, context);
  }

  enabled(options: Parameters<NonNullable<LogRecordProcessor['enabled']>>[0]): boolean {
    return this.sampling.enabled(options);
  }

  /** Everything queued is exported to the WAL, made durable there, and one delivery attempted. */
  forceFlush(): Promise<void> {
    return this.sampling.forceFlush();
  }

  /** Idempotent: stops the config watcher, then shuts the chain down front to back. */
  shutdown(): Promise<void> {
    this.shutdownOnce ??= (async () => {
      this.watcher?.close();
      // Each stage shuts down the one after it: sampling → disk buffer → failover → exporters.
      await this.sampling.shutdown();
      await this.redaction.shutdown();
    })();
    return this.shutdownOnce;
  }

  /**
   * Hands every queued record to the WAL synchronously (`exportSync`): for process `exit`, where
   * nothing asynchronous runs any more. Never throws.
   */
  flushSync(): void {
    try {
      this.sampling.flushSync();
    } catch {
      // Exit path: a failure here must not replace the exit the app asked for.
    }
  }

  /**
   * Applies a sampling policy change at once: each part given is merged over the policy in force,
   * `ratios` and `rateLimits` class by class (`updatePolicy({ ratios: { info: 0.01 } })` changes
   * INFO only; a rate limit of 0 removes that class's limit). {@link policy} reads the result.
   * @throws RangeError naming a bad value; nothing changes then.
   */
  updatePolicy(update: SamplingPolicyUpdate): void {
    this.applyPolicy(mergePolicy(this.currentPolicy, update));
  }

  /** The sampling policy in force, every part set (environment, then config file, then `updatePolicy`). */
  get policy(): SpillwaySamplingPolicy {
    return this.currentPolicy;
  }

  /** Calls `listener` after each policy change (a config-file reload included); returns an unsubscribe. */
  onPolicyChange(listener: (policy: SpillwaySamplingPolicy) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  getStats(): SpillwayPipelineStats {
    return {
      redaction: this.redaction.getStats(),
      sampling: this.sampling.getStats(),
      diskBuffer: this.wal.getStats(),
      failover: this.failover?.getStats(),
      files: this.fileExporter?.getStats(),
    };
  }

  private applyPolicy(next: SpillwaySamplingPolicy): void {
    this.sampling.updatePolicy(toSamplingPolicy(next));
    this.currentPolicy = next;
    for (const l of this.listeners) l(next);
  }

  // A file reload is merged as `updatePolicy` merges, but over the environment's policy: keys
  // removed from the file fall back to the environment's values, not to what the previous file said.
  private mergeFile(file: SamplingPolicyUpdate): SpillwaySamplingPolicy {
    return mergePolicy(this.envPolicy, file);
  }

  /**
   * This process's WAL slot; undefined until the first record has reached the WAL, and when no
   * slot could be used (warned; records then go straight on).
   */
  get diskBuffer(): DiskBufferedLogRecordExporter | undefined {
    return this.wal.buffer;
  }

  // A directory we cannot use (read-only file system, permissions, every slot held by a live
  // process) must not take the app down: warn and send without the WAL. So must a key file that
  // cannot be read: a WAL in the clear would defeat the setting, so no slot is taken (maxSlots 0)
  // and fileProtectionOf has warned once already. Backlogs of dead slots are still delivered
  // (reading writes no record; encrypted ones are left untouched without the key).
  private createWal(
    downstream: LogRecordExporter,
    maxDiskBytes: number,
    options: SpillwayPipelineOptions,
    protection: FileProtection,
  ): SlottedDiskBufferedLogRecordExporter {
    const directory = join(this.config.directory, 'wal');
    return new SlottedDiskBufferedLogRecordExporter({
      exporter: downstream,
      directory,
      fsync: this.config.fsync,
      maxDiskBytes,
      minFreeBytes: this.config.minFreeBytes,
      maxExportBatchSize: this.config.maxExportBatchSize,
      serviceName: this.config.serviceName,
      // Delivery at shutdown gets part of the signal-time budget; the rest closes the files.
      shutdownTimeoutMillis: Math.floor(this.config.shutdownTimeoutMillis * 0.6),
      meterProvider: options.meterProvider,
      ...(protection.encryption ? { encryption: protection.encryption } : {}),
      ...(protection.refused ? { maxSlots: 0 } : {}),
      onUnavailable: (e) => {
        if (protection.refused) return; // said once, by fileProtectionOf
        options.warn(
          `spillway: cannot use ${directory} for the write-ahead log (${e.message}); records are sent without it and are lost if the process dies before delivery. Set SPILLWAY_DIR to a writable directory.`,
        );
      },
    });
  }
}

/** `update` merged over `base`; ratios and rate limits class by class, a limit of 0 removed. */
function mergePolicy(
  base: SpillwaySamplingPolicy,
  update: SamplingPolicyUpdate,
): SpillwaySamplingPolicy {
  const rateLimits: ClassTable = { ...base.rateLimits, ...update.rateLimits };
  for (const [cls, limit] of Object.entries(rateLimits)) {
    if (limit === 0) delete rateLimits[cls as keyof ClassTable];
  }
  return {
    ratios: { ...base.ratios, ...update.ratios },
    rateLimits,
    traceSilenceAfter: update.traceSilenceAfter ?? base.traceSilenceAfter,
    noTraceContext: update.noTraceContext ?? base.noTraceContext,
  };
}

// The processor merges `rateLimits` over its current table (0 = no limit), so "no limit for this
// class" has to be said explicitly for a policy to replace the previous one.
function toSamplingPolicy(p: SpillwaySamplingPolicy): SamplingPolicy {
  const rateLimits: Record<string, number> = { error: 0, warn: 0, info: 0, debug: 0, trace: 0 };
  return { ...p, rateLimits: Object.assign(rateLimits, p.rateLimits) };
}
