import { invalidValueMessage } from '../config-warning';
import type { ConfigProblem, OtlpGrpcExporterSettings } from '../types';
import { isInvalid, parseDuration } from '../value-parsers';
import { isObject } from './read-config-file';

const PREFIX = 'spillway.exporter';

/**
 * The spillway processor's `exporter` property, shaped like the spec's exporter blocks: only
 * `otlp_grpc` is accepted (spillway's primary is OTLP gRPC). Each bad value is a problem and is
 * left unset (the exporter's own default then applies).
 */
export function parseOtlpGrpcSettings(
  exporter: unknown,
  problems: ConfigProblem[],
): OtlpGrpcExporterSettings | undefined {
  if (exporter === undefined || exporter === null) return undefined;
  const kinds = isObject(exporter) ? Object.keys(exporter) : [];
  if (!isObject(exporter) || kinds.length !== 1 || kinds[0] !== 'otlp_grpc') {
    problems.push(
      bad(
        PREFIX,
        exporter,
        'a mapping with one key, otlp_grpc',
        'OTLP gRPC from OTEL_EXPORTER_OTLP_LOGS_*',
      ),
    );
    return undefined;
  }
  const block = exporter.otlp_grpc ?? {};
  const at = `${PREFIX}.otlp_grpc`;
  if (!isObject(block)) {
    problems.push(bad(at, block, 'a mapping', 'the exporter defaults'));
    return undefined;
  }
  const tls = isObject(block.tls) ? block.tls : {};
  const settings: OtlpGrpcExporterSettings = { headers: {} };
  const text = (key: string, v: unknown): string | undefined => {
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string' && v.trim() !== '') return v.trim();
    problems.push(bad(`${at}.${key}`, v, 'a non-empty string', 'unset'));
    return undefined;
  };
  settings.endpoint = text('endpoint', block.endpoint);
  settings.certificateFile = text('certificate_file', block.certificate_file ?? tls.ca_file);
  settings.clientKeyFile = text('client_key_file', block.client_key_file ?? tls.key_file);
  settings.clientCertificateFile = text(
    'client_certificate_file',
    block.client_certificate_file ?? tls.cert_file,
  );
  const compression = block.compression;
  if (compression === 'gzip' || compression === 'none') settings.compression = compression;
  else if (compression !== undefined && compression !== null)
    problems.push(bad(`${at}.compression`, compression, 'gzip or none', 'unset'));
  if (block.timeout !== undefined && block.timeout !== null) {
    const ms = parseDuration(String(block.timeout));
    if (isInvalid(ms)) problems.push(bad(`${at}.timeout`, block.timeout, ms.expected, '10000'));
    else settings.timeoutMillis = ms;
  }
  const insecure = block.insecure ?? tls.insecure;
  if (insecure === true || insecure === 'true') settings.insecure = true;
  else if (insecure === false || insecure === 'false') settings.insecure = false;
  else if (insecure !== undefined && insecure !== null)
    problems.push(bad(`${at}.insecure`, insecure, 'true or false', 'false'));
  // `headers_list` first, so the structured `headers` win a name both give (as the spec says).
  if (typeof block.headers_list === 'string') {
    for (const pair of block.headers_list.split(',')) {
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      try {
        settings.headers[pair.slice(0, eq).trim().toLowerCase()] = decodeURIComponent(
          pair.slice(eq + 1).trim(),
        );
      } catch {
        problems.push(
          bad(`${at}.headers_list`, pair, 'name=value pairs, percent-encoded', 'skipped'),
        );
      }
    }
  }
  if (Array.isArray(block.headers)) {
    for (const h of block.headers) {
      if (isObject(h) && typeof h.name === 'string' && h.name !== '' && h.value != null)
        settings.headers[h.name.toLowerCase()] = String(h.value);
      else problems.push(bad(`${at}.headers`, h, 'a list of { name, value }', 'skipped'));
    }
  } else if (block.headers !== undefined && block.headers !== null) {
    problems.push(bad(`${at}.headers`, block.headers, 'a list of { name, value }', 'none'));
  }
  return settings;
}

function bad(name: string, value: unknown, expected: string, used: string): ConfigProblem {
  const text = (typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value))).slice(
    0,
    200,
  );
  return {
    variable: name,
    value: text,
    expected,
    defaultText: used,
    message: invalidValueMessage(name, text, expected, used),
  };
}
