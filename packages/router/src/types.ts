import type { MeterProvider } from '@opentelemetry/api';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { DropCounts, LastError } from '@spillway/self-metrics';
import type { ExportErrorClass } from './classify-export-error';
import type { CircuitState } from './internal/circuit-breaker';

export type { CircuitState, ExportErrorClass };

/** Options of `FailoverLogRecordExporter`. */
export interface FailoverLogRecordExporterOptions {
  /** Targets in priority order, e.g. `[otlpExporter, zstdFileExporter]`. At least one. */
  exporters: LogRecordExporter[];
  /** Names used in stats, metrics and diagnostics, one per exporter. Default: `<ClassName>#<index>`. */
  names?: string[];
  /** Consecutive transient/target failures or timeouts that open a target's circuit. Default 3. */
  failureThreshold?: number;
  /**
   * Delay before an open circuit lets one probe batch through; the first probe that succeeds
   * closes the circuit and live traffic goes back to the target at once. Default 500 ms.
   */
  retryIntervalMillis?: number;
  /**
   * Cap of the retry delay, which doubles after each failed probe: the longest a recovered
   * target waits for live traffic. A probe costs one batch attempt (the others skip the target).
   * Default 1 000 ms.
   */
  maxRetryIntervalMillis?: number;
  /**
   * Time a target gets to call back before the batch counts as a timeout (a transient failure)
   * and moves on to the next target. Keep it above the OTLP exporter's own `timeoutMillis`
   * (default 10 s) so its deadline fires first. Default 15 000 ms.
   */
  exportTimeoutMillis?: number;
  /**
   * Send the fallback's files back to the primary once it is healthy again. `true` = defaults,
   * `false` = off. Default: on when a fallback target is a `ZstdFileLogRecordExporter` from
   * `@spillway/file-exporter`, else off.
   */
  replay?: boolean | ReplayOptions;
  /**
   * Where the failover's self-metrics go (`otel.sdk.exporter.log.*`, the export duration,
   * `spillway.failover.*`, `spillway.circuit.*`, `spillway.replay.*`). Default: the global
   * MeterProvider.
   */
  meterProvider?: MeterProvider;
}

/** Options of the replay of fallback files to the primary target. */
export interface ReplayOptions {
  /**
   * Time the primary must stay healthy (circuit closed, no failure) before replay starts. Live
   * traffic never waits for it: it goes back to the primary as soon as the circuit closes.
   * Default 5 000 ms.
   */
  settleMillis?: number;
  /**
   * Records per second sent by replay, beside live traffic (which is not limited). Default 50 000:
   * about 10× a busy service's live rate, so a backlog drains in a tenth of the outage's length.
   */
  ratePerSecond?: number;
  /** Records per replay batch (a frame's lines are cut at this size). Default 2 048. */
  batchSize?: number;
  /** Where the replay checkpoint is kept. Default `<fallback directory>/.replay-checkpoint.json`. */
  checkpointPath?: string;
}

/** A target's view in `getStats()`. */
export interface TargetStats {
  name: string;
  state: CircuitState;
  consecutiveFailures: number;
  /** Last failure of any class, with its class and time (ms since the epoch). */
  lastError?: LastError & { class: ExportErrorClass | 'timeout' };
  batchesSent: number;
  recordsSent: number;
  /** Batches that failed (any class) or timed out here, and went on to the next target. */
  batchesFailed: number;
  /** Of those, refused as permanent for the batch (class `batch`): they do not trip the circuit. */
  batchesRejected: number;
  timeouts: number;
  /** Times the circuit opened. */
  opens: number;
  /** Total time the circuit was open or half-open, in ms. */
  openMillis: number;
  /** When an open circuit next lets a probe through (ms since the epoch). */
  nextRetryAt?: number;
}

/** Replay progress in `getStats()`. */
export interface ReplayStats {
  /** `off`: not configured; `idle`: nothing to replay; `waiting`: backlog, primary not settled; `replaying`. */
  state: 'off' | 'idle' | 'waiting' | 'replaying';
  /** Fallback files waiting to be replayed (the one being written excluded). */
  filesPending: number;
  /** Their size on disk, bytes (the current file's unreplayed part included). */
  bytesPending: number;
  recordsReplayed: number;
  batchesReplayed: number;
  filesReplayed: number;
  /** Records left out of replay for good, by reason, each by severity class. */
  dropped: DropCounts<ReplayDropReason>;
  /** Where replay resumes: file name, frame, OTLP/JSON line in the frame, record in the line. */
  position?: { file: string; frame: number; line: number; record: number };
  lastError?: LastError;
}

/**
 * Why replay left a record out for good: `too_large` = the primary refuses it as too large even
 * alone (gRPC RESOURCE_EXHAUSTED "larger than max", HTTP 413), once isolated by splitting its
 * batch in halves (its neighbours are delivered); `rejected` = the primary refused its batch for
 * good (error class `batch`, e.g. INVALID_ARGUMENT), skipped so that it does not block the rest
 * of the backlog; `unreadable` = it could not be read back (torn or corrupt frames as the file
 * reader reports them, a line that does not parse counting as one; class `unknown`).
 */
export type ReplayDropReason = 'too_large' | 'rejected' | 'unreadable';

/** `FailoverLogRecordExporter.getStats()`. */
export interface FailoverStats {
  targets: TargetStats[];
  /** Batches `export()` was called with, and how they ended. */
  batches: { exported: number; failed: number };
  /**
   * Their records: `exported` (a target took them), `failed` (every target failed: the caller
   * keeps them, e.g. the WAL retries), `inflight` (export not called back yet).
   */
  records: { exported: number; failed: number; inflight: number };
  replay: ReplayStats;
}

/** One route of `SeverityRoutingLogRecordExporter`. */
export interface Route {
  /** Name in stats. Default `route#<index>`. */
  name?: string;
  /** Lowest severity number (1–24) or level name (`'warn'`) routed here. Default: no lower bound. */
  minSeverity?: number | string;
  /** Highest severity number or level name (a name covers its whole level). Default: no upper bound. */
  maxSeverity?: number | string;
  /** Extra predicate, e.g. on an attribute. Default: every record in the severity range. */
  when?: (record: ReadableLogRecord) => boolean;
  /** Exporters that get every record of this route. */
  targets: LogRecordExporter[];
  /** An optional route never fails the batch. Default false. */
  optional?: boolean;
}

/** Options of `SeverityRoutingLogRecordExporter`. */
export interface SeverityRoutingLogRecordExporterOptions {
  /** Routes; a record goes to every route it matches (each target gets it once). */
  routes: Route[];
}

/** Per-route counters of `SeverityRoutingLogRecordExporter.getStats()`. */
export interface RouteStats {
  name: string;
  records: number;
  batchesFailed: number;
}

/** `SeverityRoutingLogRecordExporter.getStats()`. */
export interface RoutingStats {
  routes: RouteStats[];
  /** Records that matched no route (not exported anywhere), by severity class. */
  dropped: DropCounts<'unrouted'>;
}

/** Options of `PrettyLogRecordExporter`. */
export interface PrettyLogRecordExporterOptions {
  /** `stdout` (default), `stderr` or any writable stream. */
  stream?: 'stdout' | 'stderr' | NodeJS.WritableStream;
  /** ANSI colour: `'auto'` (default: only on a TTY, honouring `NO_COLOR`/`FORCE_COLOR`), or forced. */
  color?: 'auto' | boolean;
}
