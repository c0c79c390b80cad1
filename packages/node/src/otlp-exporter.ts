import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import type { OtlpGrpcExporterSettings } from '@spillway/config';
import { createOtlpGrpcLogExporter, type OtlpGrpcLogExporter } from './otlp-grpc-log-exporter';

type Env = Record<string, string | undefined>;

interface GrpcHelpers {
  createEmptyMetadata(): { set(key: string, value: string): void };
  createInsecureCredentials(): unknown;
  createSslCredentials(rootCert?: Buffer, privateKey?: Buffer, certChain?: Buffer): unknown;
}

/**
 * The primary OTLP gRPC exporter (otlp-grpc-log-exporter.ts: the SDK's, writing its requests with
 * spillway's protobuf encoder). Without file settings it reads its own `OTEL_EXPORTER_OTLP_LOGS_*`
 * variables (from `process.env`; given another `env`, its endpoint is taken from that `env`). With
 * an `OTEL_CONFIG_FILE` `otlp_grpc` block, that block configures it.
 */
export function createOtlpExporter(
  env: Env,
  settings: OtlpGrpcExporterSettings | undefined,
): OtlpGrpcLogExporter {
  if (settings === undefined) {
    const url =
      env.OTEL_EXPORTER_OTLP_LOGS_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
    return env !== process.env && url
      ? createOtlpGrpcLogExporter({ url })
      : createOtlpGrpcLogExporter();
  }
  const grpc = grpcHelpers();
  const metadata = grpc.createEmptyMetadata();
  for (const [name, value] of Object.entries(settings.headers)) metadata.set(name, value);
  const read = (path: string | undefined) => (path ? readFileSync(path) : undefined);
  const tls = settings.certificateFile || settings.clientKeyFile || settings.clientCertificateFile;
  const credentials = settings.insecure
    ? grpc.createInsecureCredentials()
    : tls
      ? grpc.createSslCredentials(
          read(settings.certificateFile),
          read(settings.clientKeyFile),
          read(settings.clientCertificateFile),
        )
      : undefined;
  return createOtlpGrpcLogExporter({
    ...(settings.endpoint ? { url: settings.endpoint } : {}),
    ...(settings.timeoutMillis !== undefined ? { timeoutMillis: settings.timeoutMillis } : {}),
    ...(settings.compression ? { compression: settings.compression } : {}),
    metadata,
    ...(credentials ? { credentials } : {}),
  } as ConstructorParameters<typeof OTLPLogExporter>[0]);
}

/**
 * The metadata and credential factories of the gRPC exporter's own base package, resolved from the
 * exporter's location: they must come from the same `@grpc/grpc-js` copy the exporter uses (a
 * Metadata from another copy fails its `instanceof` check), and that package is the exporter's
 * dependency, not ours.
 */
function grpcHelpers(): GrpcHelpers {
  // import.meta decides: the CommonJS build's is empty (esbuild), and in ESM a global `__filename`
  // may exist (`node -e` sets one, naming no file).
  const here = (import.meta as { url?: string }).url ?? __filename;
  const exporter = createRequire(here).resolve('@opentelemetry/exporter-logs-otlp-grpc');
  return createRequire(exporter)('@opentelemetry/otlp-grpc-exporter-base') as GrpcHelpers;
}
