import { connect } from 'node:net';
import type { Check } from './doctor-check';

/** The OTLP logs endpoint the gRPC exporter will use, and the variable it came from. */
export interface CollectorEndpoint {
  value: string;
  source:
    | 'OTEL_EXPORTER_OTLP_LOGS_ENDPOINT'
    | 'OTEL_EXPORTER_OTLP_ENDPOINT'
    | '--endpoint'
    | 'default';
}

/** Resolves the endpoint as the exporter's own variables do (the logs-specific one first). */
export function collectorEndpointOf(env: Record<string, string | undefined>): CollectorEndpoint {
  const logs = env.OTEL_EXPORTER_OTLP_LOGS_ENDPOINT?.trim();
  if (logs) return { value: logs, source: 'OTEL_EXPORTER_OTLP_LOGS_ENDPOINT' };
  const all = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (all) return { value: all, source: 'OTEL_EXPORTER_OTLP_ENDPOINT' };
  return { value: 'http://localhost:4317', source: 'default' };
}

/** Where to connect, or the problem that makes the endpoint unusable. */
type Target = { host: string; port: number } | { problem: string };

/**
 * The OTLP exporter specification requires a URL with an `http` or `https` scheme. The gRPC
 * exporter would read `notaurl` as `https://notaurl:443` and retry it forever, so a value
 * without one is a configuration mistake, named here rather than discovered in an outage.
 */
function targetOf(endpoint: CollectorEndpoint): Target {
  const name = endpoint.source === 'default' ? 'the default endpoint' : endpoint.source;
  const expected = 'expected a URL such as http://collector:4317 or https://collector:4317';
  let url: URL;
  try {
    url = new URL(endpoint.value);
  } catch {
    return { problem: `${name}="${endpoint.value}" is not a URL: ${expected}` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return {
      problem: `${name}="${endpoint.value}" has the scheme "${url.protocol.replace(/:$/, '')}" (or none): ${expected}`,
    };
  if (!url.hostname) return { problem: `${name}="${endpoint.value}" names no host: ${expected}` };
  // gRPC's default port when the URL gives none.
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 443) };
}

/**
 * Checks the endpoint: a malformed one is a problem; when `probe`, one TCP connection (1 s
 * timeout) says whether a collector listens there. An unreachable collector is a warning, not a
 * problem: records fail over to local files until it is back.
 */
export async function checkCollector(
  endpoint: CollectorEndpoint,
  probe: boolean,
  failover: 'file' | 'none',
): Promise<Check> {
  const target = targetOf(endpoint);
  if ('problem' in target) return { level: 'problem', text: target.problem };
  const where = `collector ${target.host}:${target.port} (${endpoint.source})`;
  if (!probe) return { level: 'info', text: `${where}: not probed (--no-probe)` };
  const failure = await new Promise<string | undefined>((resolve) => {
    const socket = connect({ host: target.host, port: target.port, timeout: 1000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve('no answer within 1 s');
    });
    socket.once('error', (e) => resolve(e.message));
  });
  return failure === undefined
    ? { level: 'ok', text: `${where}: accepts connections` }
    : {
        level: 'warning',
        text: `${where}: unreachable (${failure}); until it is, records ${failover === 'file' ? 'go to local files in <SPILLWAY_DIR>/files' : 'wait in the write-ahead log (SPILLWAY_FAILOVER=none)'}`,
      };
}
