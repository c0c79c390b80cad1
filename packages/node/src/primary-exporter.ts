import { createRequire } from 'node:module';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { SpillwayConfig } from '@spillway/config';
import { WorkerThreadLogRecordExporter } from '@spillway/worker-exporter';
import { createOtlpExporter } from './otlp-exporter';
import type { OtlpExporterFactoryOptions } from './otlp-exporter-factory';

type Env = Record<string, string | undefined>;

// The CommonJS build has an empty import.meta (esbuild); in ESM a global `__filename` may exist
// (`node -e` sets one), so import.meta decides.
const here = (import.meta as { url?: string }).url ?? __filename;

/**
 * The primary exporter when none is given in code: spillway's OTLP gRPC exporter, in a worker
 * thread under `SPILLWAY_EXPORT_THREAD=worker` (opt-in; built there by
 * otlp-exporter-factory.ts from the same `env` and settings), on the main thread under `main`.
 */
export function createPrimaryExporter(
  env: Env,
  config: Pick<SpillwayConfig, 'exportThread' | 'otlp'>,
): LogRecordExporter {
  if (config.exportThread === 'main') return createOtlpExporter(env, config.otlp);
  const options: OtlpExporterFactoryOptions = {
    env: env === process.env ? undefined : otlpVariables(env),
    settings: config.otlp,
  };
  return new WorkerThreadLogRecordExporter({
    // Through the package's own exports: the built file, also when these are the sources.
    module: createRequire(here).resolve('@spillway/node/otlp-exporter-factory'),
    options,
  });
}

function otlpVariables(env: Env): Env {
  return Object.fromEntries(
    Object.entries(env).filter(([k]) => k.startsWith('OTEL_EXPORTER_OTLP_')),
  );
}
