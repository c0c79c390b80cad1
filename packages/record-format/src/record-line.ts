import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { severityClassName, severityClassOf } from './severity';

/*
 * The record's one-line text form, for people: what `spillway cat` prints and what the router's
 * PrettyLogRecordExporter writes to a terminal.
 *
 *   <time, ns> <LEVEL> <service.name> <body> <key>=<value> … event=<name> trace_id=<id> span_id=<id>
 *
 * Not a storage format (nothing parses it back: OTLP/JSON is that). One record is one line: every
 * control character of a body or value is escaped, so neither a stack trace nor an ANSI escape in
 * a logged string can break the line or drive the terminal.
 */

// ANSI SGR per severity class: trace, debug dim; info green; warn yellow; error red; fatal bold red.
const CLASS_COLORS = ['\x1b[2m', '\x1b[2m', '\x1b[32m', '\x1b[33m', '\x1b[31m', '\x1b[1;31m'];
const RESET = '\x1b[0m';
const DIM = '\x1b[2m';

/** `2026-01-01T00:00:00.123456789Z` from an HrTime. */
export function formatHrTime(t: readonly [number, number]): string {
  return `${new Date(t[0] * 1000).toISOString().slice(0, 19)}.${String(t[1]).padStart(9, '0')}Z`;
}

/** JSON.stringify replacer: bytes as `base64:<data>` text (JSON has no bytes), bigints as digits. */
export function bytesAsBase64(_key: string, x: unknown): unknown {
  if (x instanceof Uint8Array) return `base64:${Buffer.from(x).toString('base64')}`;
  return typeof x === 'bigint' ? x.toString() : x;
}

/**
 * A body or attribute value as one piece of text: strings as they are, bytes as `base64:<data>`,
 * the rest as JSON (a value JSON cannot write, such as a cycle, as `String(value)`).
 */
export function formatValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return `base64:${Buffer.from(v).toString('base64')}`;
  try {
    return JSON.stringify(v, bytesAsBase64) ?? String(v);
  } catch {
    return String(v);
  }
}

/** The severity text of a record, else its class name (INFO, ERROR…), upper case. */
export function severityLabel(r: ReadableLogRecord): string {
  return (
    r.severityText ||
    severityClassName(severityClassOf(r.severityNumber as number | undefined, r.severityText))
  ).toUpperCase();
}

// Newline and tab as \n and \t, other control characters as \u00XX.
function oneLine(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: escaping them is the point
  return s.replace(/[\u0000-\u001f\u007f]/g, (c) =>
    c === '\n' ? '\\n' : c === '\t' ? '\\t' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** How {@link formatRecordLine} prints. */
export interface RecordLineOptions {
  /** ANSI colours: the time and the fields after the body dim, the level by class. Default false. */
  color?: boolean;
}

/**
 * The record's one-line text form (no trailing newline): time (the observed time when the record
 * has none), level, `service.name` (`-` if none), body, attributes, event name, trace and span id.
 * Use it to show records to people; never throws, whatever the record holds.
 */
export function formatRecordLine(r: ReadableLogRecord, options: RecordLineOptions = {}): string {
  const t = r.hrTime[0] === 0 && r.hrTime[1] === 0 ? r.hrTimeObserved : r.hrTime;
  const time = formatHrTime(t);
  const level = severityLabel(r).padEnd(5);
  const service = oneLine(formatValue(r.resource?.attributes?.['service.name'] ?? '-'));
  const head = `${service} ${oneLine(formatValue(r.body ?? ''))}`;
  const tail: string[] = [];
  for (const [k, v] of Object.entries(r.attributes ?? {}))
    tail.push(`${oneLine(k)}=${oneLine(formatValue(v))}`);
  if (r.eventName) tail.push(`event=${oneLine(r.eventName)}`);
  if (r.spanContext)
    tail.push(`trace_id=${r.spanContext.traceId}`, `span_id=${r.spanContext.spanId}`);
  const rest = tail.join(' ');
  if (!options.color) return `${time} ${level} ${head}${rest ? ` ${rest}` : ''}`;
  const c = CLASS_COLORS[severityClassOf(r.severityNumber as number | undefined, r.severityText)];
  return `${DIM}${time}${RESET} ${c ?? ''}${level}${RESET} ${head}${rest ? ` ${DIM}${rest}${RESET}` : ''}`;
}
