import { emitConfigWarning, readSpillwayConfig, type SpillwayConfigReport } from '@spillway/config';
import { createPrimaryExporter } from './primary-exporter';
import { SpillwayLogRecordProcessor } from './spillway-log-record-processor';
import type { SpillwayOverrides } from './types';

/**
 * Builds the whole spillway pipeline from its configuration (see @spillway/config's README):
 * sampling → disk WAL → OTLP gRPC, failing over to local zstd files. Use it wherever the SDK
 * takes a log record processor:
 *
 * ```ts
 * new NodeSDK({ logRecordProcessors: [createLogRecordProcessorFromEnv()] }).start();
 * ```
 *
 * Precedence: `overrides` > `OTEL_CONFIG_FILE`'s `spillway` processor when that file is set, else
 * the environment > defaults. Never throws for configuration: each value it does not accept is
 * warned about (through `process.emitWarning` and `diag.warn`, naming the variable or property,
 * the value, the accepted form and the default used) and replaced by its default.
 */
export function createLogRecordProcessorFromEnv(
  env: Record<string, string | undefined> = process.env,
  overrides: SpillwayOverrides = {},
): SpillwayLogRecordProcessor {
  // An overridden service name also names the default directory (code wins over every source).
  return fromReport(
    readSpillwayConfig(env, { serviceName: overrides.serviceName }),
    env,
    overrides,
  );
}

/** Warns about the report's problems and builds the pipeline from it, `overrides` winning. */
export function fromReport(
  report: SpillwayConfigReport,
  env: Record<string, string | undefined>,
  overrides: SpillwayOverrides,
): SpillwayLogRecordProcessor {
  for (const w of report.warnings) emitConfigWarning(w);
  for (const p of report.problems) emitConfigWarning(p.message);
  const { exporter, meterProvider, configFileDebounceMillis, redactionRules, ...configOverrides } =
    overrides;
  const defined = Object.entries(configOverrides).filter(([, v]) => v !== undefined);
  const config = { ...report.config, ...Object.fromEntries(defined) };
  return new SpillwayLogRecordProcessor(config, {
    exporter: exporter ?? createPrimaryExporter(env, config),
    meterProvider,
    configFileDebounceMillis,
    redaction: redactionRules,
    warn: emitConfigWarning,
  });
}
