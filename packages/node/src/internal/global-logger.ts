import { createRequire } from 'node:module';
import * as api from '@opentelemetry/api';
import type { Logger } from '@opentelemetry/api-logs';

/**
 * A logger from the global logs API, wherever this OTel line keeps it: `@opentelemetry/api` ≥ 1.10
 * (3.x line) has `logs`; the 2.x line has the separate `@opentelemetry/api-logs` package, loaded
 * only when needed so the 3.x line does not need it installed.
 */
export function getGlobalLogger(name: string, version?: string): Logger | undefined {
  const fromApi = (api as unknown as { logs?: { getLogger(n: string, v?: string): Logger } }).logs;
  if (fromApi) return fromApi.getLogger(name, version);
  try {
    const req = createRequire(typeof __filename === 'string' ? __filename : import.meta.url);
    return (
      req('@opentelemetry/api-logs') as typeof import('@opentelemetry/api-logs')
    ).logs.getLogger(name, version);
  } catch {
    return undefined;
  }
}
