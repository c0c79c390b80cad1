import type { MeterProvider } from '@opentelemetry/api';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { SpillwayConfig } from '@spillway/config';
import type { RedactingLogRecordProcessorOptions } from '@spillway/redaction';

// The configuration types are @spillway/config's; this package re-exports them (index.ts).
export type {
  ClassTable,
  ConfigEntry,
  ConfigProblem,
  FsyncPolicy,
  NoTraceContext,
  RedactionSpec,
  SamplingPolicyFile,
  SamplingPolicyUpdate,
  SamplingRatios,
  SpillwayConfig,
  SpillwayConfigReport,
} from '@spillway/config';

/** Second argument of `createLogRecordProcessorFromEnv`: wins over the environment and the file. */
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
