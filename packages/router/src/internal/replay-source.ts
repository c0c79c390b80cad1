import type { LogRecordExporter } from '@opentelemetry/sdk-logs';

/** A fallback whose files replay can read (see replayer.ts). */
export interface ReplaySource {
  directory: string;
}

export function resolveReplaySource(_exporter: LogRecordExporter): ReplaySource | undefined {
  return undefined;
}
