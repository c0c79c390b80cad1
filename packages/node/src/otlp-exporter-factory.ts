// The module the export worker imports under SPILLWAY_EXPORT_THREAD=worker: builds
// spillway's OTLP gRPC exporter inside the worker thread from what the main thread resolved, so
// protobuf serialisation, gRPC framing and the network run there.
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { OtlpGrpcExporterSettings } from '@spillway/config';
import { createOtlpExporter } from './otlp-exporter';

/** What crosses to the worker: plain data only. */
export interface OtlpExporterFactoryOptions {
  /**
   * The `OTEL_EXPORTER_OTLP_*` variables of an `env` given in code; undefined when the pipeline
   * reads `process.env` (the worker's is a copy of it, so the exporter reads its own variables).
   */
  env: Record<string, string | undefined> | undefined;
  /** The `OTEL_CONFIG_FILE` `otlp_grpc` block, when there is one. */
  settings: OtlpGrpcExporterSettings | undefined;
}

export function createExporter(options: OtlpExporterFactoryOptions): LogRecordExporter {
  return createOtlpExporter(options.env ?? process.env, options.settings);
}
