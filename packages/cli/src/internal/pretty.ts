import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { severityClassName, severityClassOf } from '@spillway/record-format';

/** `2026-01-01T00:00:00.123456789Z` from an HrTime. */
export function formatHrTime(t: readonly [number, number]): string {
  return `${new Date(t[0] * 1000).toISOString().slice(0, 19)}.${String(t[1]).padStart(9, '0')}Z`;
}

/** JSON.stringify replacer: bytes as `base64:<data>` text (JSON has no bytes). */
export function bytesAsBase64(_key: string, x: unknown): unknown {
  return x instanceof Uint8Array ? `base64:${Buffer.from(x).toString('base64')}` : x;
}

/** A body or attribute value as one piece of text: strings as they are, the rest as JSON. */
export function formatValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return `base64:${Buffer.from(v).toString('base64')}`;
  return JSON.stringify(v, bytesAsBase64) ?? String(v);
}

/** The severity text of a record, else its class name (INFO, ERROR…), upper case. */
export function severityLabel(r: ReadableLogRecord): string {
  return (
    r.severityText ||
    severityClassName(severityClassOf(r.severityNumber as number | undefined, r.severityText))
  ).toUpperCase();
}

/**
 * One line per record for people: time, level, service, body, then attributes and trace context.
 * Newlines in bodies are escaped so that one record stays one line.
 */
export function formatPretty(r: ReadableLogRecord): string {
  const t = r.hrTime[0] === 0 && r.hrTime[1] === 0 ? r.hrTimeObserved : r.hrTime;
  const level = severityLabel(r).padEnd(5);
  const service = String(r.resource.attributes['service.name'] ?? '-');
  const parts = [formatHrTime(t), level, service, formatValue(r.body ?? '').replace(/\n/g, '\\n')];
  for (const [k, v] of Object.entries(r.attributes)) parts.push(`${k}=${formatValue(v)}`);
  if (r.eventName) parts.push(`event=${r.eventName}`);
  if (r.spanContext)
    parts.push(`trace_id=${r.spanContext.traceId}`, `span_id=${r.spanContext.spanId}`);
  return parts.join(' ');
}
