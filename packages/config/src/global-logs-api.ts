import { createRequire } from 'node:module';
import type { Context } from '@opentelemetry/api';
import * as api from '@opentelemetry/api';

/**
 * A record as either OTel line's logs API takes it. Each field is a subset of what both lines'
 * `LogRecord` accepts (severities as numbers, not either line's enum), so any `Logger` of either
 * line is a {@link LogsApiLogger}.
 */
export interface LogsApiRecord {
  timestamp?: number;
  severityNumber?: number;
  severityText?: string;
  body?: string;
  attributes?: Record<string, string | number | boolean>;
  eventName?: string;
  context?: Context;
}

/** A logs-API `Logger` of either line. */
export interface LogsApiLogger {
  emit(record: LogsApiRecord): void;
}

/**
 * The part of the global logs API (`logs`) that is the same on both OTel lines. Structural: the
 * 2.x line's types live in `@opentelemetry/api-logs`, which the 3.x line does not install, and the
 * two lines' `SeverityNumber` enums are distinct types.
 */
export interface LogsApi {
  getLogger(name: string, version?: string): LogsApiLogger;
  setGlobalLoggerProvider(provider: object): unknown;
  disable(): void;
}

/**
 * The global logs API wherever this OTel line keeps it: `@opentelemetry/api` ≥ 1.10 (3.x line)
 * has `logs`; the 2.x line has the separate `@opentelemetry/api-logs` package, loaded only when
 * needed so the 3.x line does not need it installed. Undefined when neither is there. Use it
 * instead of importing either package's `logs` where code must run on both lines.
 */
export function globalLogsApi(): LogsApi | undefined {
  const fromApi = (api as unknown as { logs?: LogsApi }).logs;
  if (fromApi) return fromApi;
  try {
    // import.meta decides: the CommonJS build's is empty (esbuild); in ESM a global `__filename`
    // may exist, naming no file (a CommonJS `node -e` script sets `[eval]`, then imports us).
    const req = createRequire((import.meta as { url?: string }).url ?? __filename);
    return (req('@opentelemetry/api-logs') as { logs: LogsApi }).logs;
  } catch {
    return undefined;
  }
}
