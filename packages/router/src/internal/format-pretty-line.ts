import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { severityClassOf, severityNumberName } from '@spillway/record-format';

// ANSI SGR per severity class: trace, debug dim; info green; warn yellow; error red; fatal bold red.
const CLASS_COLORS = ['\x1b[2m', '\x1b[2m', '\x1b[32m', '\x1b[33m', '\x1b[31m', '\x1b[1;31m'];
const RESET = '\x1b[0m';
const DIM = '\x1b[2m';

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value === undefined) return '';
  try {
    return (
      JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ??
      String(value)
    );
  } catch {
    return String(value);
  }
}

// One record, one line: control characters (newlines in stack traces) are escaped.
function oneLine(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: escaping them is the point
  return s.replace(/[\u0000-\u001f\u007f]/g, (c) =>
    c === '\n' ? '\\n' : c === '\t' ? '\\t' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function attrValue(v: unknown): string {
  const s = oneLine(text(v));
  return s === '' || /[\s="]/.test(s) ? JSON.stringify(s) : s;
}

/** `<ISO time> <LEVEL> <body> [trace=<id> span=<id>] key=value …` */
export function formatPrettyLine(record: ReadableLogRecord, color: boolean): string {
  const [sec, nanos] = record.hrTime;
  const time = new Date(sec * 1000 + Math.floor(nanos / 1e6)).toISOString();
  const num = record.severityNumber as number | undefined;
  const level = (record.severityText || severityNumberName(num ?? 0)).toUpperCase().padEnd(5);
  const body = oneLine(text(record.body));
  const parts: string[] = [];
  const sc = record.spanContext;
  if (sc?.traceId) parts.push(`trace=${sc.traceId} span=${sc.spanId}`);
  for (const [k, v] of Object.entries(record.attributes)) parts.push(`${k}=${attrValue(v)}`);
  const tail = parts.join(' ');
  if (!color) return `${time} ${level} ${body}${tail ? ` ${tail}` : ''}\n`;
  const c = CLASS_COLORS[severityClassOf(num, record.severityText)] ?? '';
  return `${DIM}${time}${RESET} ${c}${level}${RESET} ${body}${tail ? ` ${DIM}${tail}${RESET}` : ''}\n`;
}
