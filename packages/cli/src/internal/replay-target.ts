import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import { type CollectorEndpoint, checkCollector, collectorEndpointOf } from './collector-endpoint';

/*
 * Where and how `spillway replay` sends, decided as the OpenTelemetry exporters decide it:
 *
 *   protocol  --protocol, else OTEL_EXPORTER_OTLP_LOGS_PROTOCOL, else OTEL_EXPORTER_OTLP_PROTOCOL,
 *             else http/protobuf when the URL says OTLP/HTTP (path /v1/logs, or port 4318),
 *             else grpc
 *   endpoint  --endpoint, else OTEL_EXPORTER_OTLP_LOGS_ENDPOINT (used as is), else
 *             OTEL_EXPORTER_OTLP_ENDPOINT; over HTTP, /v1/logs is appended to a generic endpoint
 *             (--endpoint or OTEL_EXPORTER_OTLP_ENDPOINT), as the OTel HTTP exporter does
 *   headers   OTEL_EXPORTER_OTLP_HEADERS, OTEL_EXPORTER_OTLP_LOGS_HEADERS, then --header (each
 *             later one wins for a key); TLS, compression and timeout from the exporters' own
 *             OTEL_EXPORTER_OTLP_* variables (CERTIFICATE, CLIENT_KEY, CLIENT_CERTIFICATE, …)
 */

export const PROTOCOLS = ['grpc', 'http/protobuf', 'http/json'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/** The decided target: protocol and the URL the exporter is given. */
export interface ReplayTarget {
  protocol: Protocol;
  url: string;
}

/** Decides the target; returns a problem sentence when the endpoint or protocol is unusable. */
export async function replayTargetOf(
  flags: { endpoint?: string; protocol?: string },
  env: Record<string, string | undefined>,
): Promise<ReplayTarget | { problem: string }> {
  const endpoint: CollectorEndpoint =
    flags.endpoint !== undefined
      ? { value: flags.endpoint.trim(), source: '--endpoint' }
      : collectorEndpointOf(env);
  const check = await checkCollector(endpoint, false, 'file');
  if (check.level === 'problem') return { problem: check.text };
  const named =
    flags.protocol ??
    (env.OTEL_EXPORTER_OTLP_LOGS_PROTOCOL?.trim() || env.OTEL_EXPORTER_OTLP_PROTOCOL?.trim());
  if (named !== undefined && !(PROTOCOLS as readonly string[]).includes(named))
    return { problem: `protocol "${named}" is not one of ${PROTOCOLS.join(', ')}` };
  const url = new URL(endpoint.value);
  const looksHttp = /\/v1\/logs\/?$/.test(url.pathname) || url.port === '4318';
  const protocol = (named as Protocol | undefined) ?? (looksHttp ? 'http/protobuf' : 'grpc');
  if (protocol === 'grpc') return { protocol, url: endpoint.value };
  if (endpoint.source === 'default') return { protocol, url: 'http://localhost:4318/v1/logs' };
  if (endpoint.source === 'OTEL_EXPORTER_OTLP_LOGS_ENDPOINT' || /\/v1\/logs\/?$/.test(url.pathname))
    return { protocol, url: endpoint.value };
  url.pathname = `${url.pathname.replace(/\/$/, '')}/v1/logs`;
  return { protocol, url: url.toString() };
}

/**
 * Adds `--header k=v` pairs to OTEL_EXPORTER_OTLP_LOGS_HEADERS of this process, so that the gRPC
 * and both HTTP exporters read them the one way they all read headers (percent-encoded values,
 * a later key winning) — the gRPC exporter takes no plain header object.
 */
export function addHeaders(env: NodeJS.ProcessEnv, pairs: ReadonlyArray<[string, string]>): void {
  if (pairs.length === 0) return;
  const own = pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
  const before = env.OTEL_EXPORTER_OTLP_LOGS_HEADERS?.trim();
  env.OTEL_EXPORTER_OTLP_LOGS_HEADERS = [...(before ? [before] : []), ...own].join(',');
}

/** The OTel exporter of the target's protocol (loaded on demand: other commands never need one). */
export async function createExporter(target: ReplayTarget): Promise<LogRecordExporter> {
  if (target.protocol === 'grpc') {
    const { OTLPLogExporter } = await import('@opentelemetry/exporter-logs-otlp-grpc');
    return new OTLPLogExporter({ url: target.url });
  }
  if (target.protocol === 'http/json') {
    const { OTLPLogExporter } = await import('@opentelemetry/exporter-logs-otlp-http');
    return new OTLPLogExporter({ url: target.url });
  }
  const { OTLPLogExporter } = await import('@opentelemetry/exporter-logs-otlp-proto');
  return new OTLPLogExporter({ url: target.url });
}
