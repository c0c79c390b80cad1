import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { emitConfigWarning } from '@spillway/record-format';
import { readSpillwayConfig } from './read-spillway-config';
import { SpillwayLogRecordProcessor } from './spillway-log-record-processor';
import type { SpillwayOverrides } from './types';

/**
 * Builds the whole spillway pipeline from environment variables (see the README's table):
 * sampling → disk WAL → OTLP gRPC, failing over to local zstd files. Use it wherever the SDK
 * takes a log record processor:
 *
 * ```ts
 * new NodeSDK({ logRecordProcessors: [createLogRecordProcessorFromEnv()] }).start();
 * ```
 *
 * Never throws for configuration: each value it does not accept is warned about (through
 * `process.emitWarning` and `diag.warn`, naming the variable, the value, the accepted form and the
 * default used) and replaced by its default. `overrides` win over the environment.
 *
 * The OTLP gRPC exporter reads its own `OTEL_EXPORTER_OTLP_LOGS_*` variables from `process.env`;
 * given another `env`, its endpoint (`OTEL_EXPORTER_OTLP_LOGS_ENDPOINT`, else
 * `OTEL_EXPORTER_OTLP_ENDPOINT`) is taken from that `env`.
 */
export function createLogRecordProcessorFromEnv(
  env: Record<string, string | undefined> = process.env,
  overrides: SpillwayOverrides = {},
): SpillwayLogRecordProcessor {
  // An overridden service name also names the default directory, as OTEL_SERVICE_NAME would.
  const named = overrides.serviceName ? { ...env, OTEL_SERVICE_NAME: overrides.serviceName } : env;
  const { config, problems } = readSpillwayConfig(named);
  for (const p of problems) emitConfigWarning(p.message);
  const { exporter, meterProvider, configFileDebounceMillis, redactionRules, ...configOverrides } =
    overrides;
  const url =
    env.OTEL_EXPORTER_OTLP_LOGS_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  const primary =
    exporter ?? (env !== process.env && url ? new OTLPLogExporter({ url }) : new OTLPLogExporter());
  const defined = Object.entries(configOverrides).filter(([, v]) => v !== undefined);
  return new SpillwayLogRecordProcessor(
    { ...config, ...Object.fromEntries(defined) },
    {
      exporter: primary,
      meterProvider,
      configFileDebounceMillis,
      redaction: redactionRules,
      warn: emitConfigWarning,
    },
  );
}
