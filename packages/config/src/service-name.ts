import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sanitizeServiceName } from '@spillway/record-format';

/** The SDK's `service.name` when nothing names the service. */
export const UNKNOWN_SERVICE_NAME = 'unknown_service:node';

/**
 * `service.name` in an `OTEL_RESOURCE_ATTRIBUTES`-style list (`k=v,k=v`, values percent-encoded),
 * or undefined.
 */
export function serviceNameFromAttributeList(list: string): string | undefined {
  for (const pair of list.split(',')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === 'service.name') {
      try {
        const v = decodeURIComponent(pair.slice(eq + 1).trim());
        if (v) return v;
      } catch {
        // A malformed percent escape: the SDK ignores the attribute too.
      }
    }
  }
  return undefined;
}

/** `service.name` as the SDK derives it: `OTEL_SERVICE_NAME`, else `OTEL_RESOURCE_ATTRIBUTES`. */
export function serviceNameFromEnv(env: Record<string, string | undefined>): string {
  const name = env['OTEL_SERVICE_NAME']?.trim();
  if (name) return name;
  return (
    serviceNameFromAttributeList(env['OTEL_RESOURCE_ATTRIBUTES'] ?? '') ?? UNKNOWN_SERVICE_NAME
  );
}

/**
 * The data directory without `SPILLWAY_DIR`: `<tmpdir>/spillway/<service.name>`, per service so two
 * services on one host never share a WAL lock. The service name becomes one safe path segment
 * (`sanitizeServiceName`: `..` or `a//b` never leave `<tmpdir>/spillway`). Set `SPILLWAY_DIR` to a
 * volume that outlives the process where it matters (Kubernetes: an emptyDir survives container
 * restarts).
 */
export function defaultDataDirectory(serviceName: string): string {
  return join(tmpdir(), 'spillway', sanitizeServiceName(serviceName));
}
