// Structural check of one OTLP/JSON `LogsData` against the OTLP/JSON mapping (hex ids, uint64 as
// decimal strings, integer enums, one-key AnyValues). Returns the first violation, or undefined.

const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;
const UINT64 = /^\d{1,20}$/;
const ANY_KEYS = new Set([
  'stringValue',
  'boolValue',
  'intValue',
  'doubleValue',
  'bytesValue',
  'arrayValue',
  'kvlistValue',
]);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function anyValue(v: unknown, at: string): string | undefined {
  if (!isObj(v)) return `${at}: AnyValue is not an object`;
  const keys = Object.keys(v);
  if (keys.length === 0) return undefined;
  if (keys.length !== 1 || !ANY_KEYS.has(keys[0]!))
    return `${at}: AnyValue keys ${JSON.stringify(keys)}`;
  const x = v[keys[0]!];
  switch (keys[0]) {
    case 'stringValue':
      return typeof x === 'string' ? undefined : `${at}: stringValue not a string`;
    case 'boolValue':
      return typeof x === 'boolean' ? undefined : `${at}: boolValue not a boolean`;
    case 'intValue':
      return typeof x === 'string' && /^-?\d+$/.test(x)
        ? undefined
        : `${at}: intValue not a decimal string`;
    case 'doubleValue':
      return typeof x === 'number' || x === 'NaN' || x === 'Infinity' || x === '-Infinity'
        ? undefined
        : `${at}: doubleValue not a number`;
    case 'bytesValue':
      return typeof x === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(x)
        ? undefined
        : `${at}: bytesValue not base64`;
    case 'arrayValue': {
      if (!isObj(x)) return `${at}: arrayValue not an object`;
      const values = x.values ?? [];
      if (!Array.isArray(values)) return `${at}: arrayValue.values not an array`;
      for (let i = 0; i < values.length; i++) {
        const e = anyValue(values[i], `${at}[${i}]`);
        if (e) return e;
      }
      return undefined;
    }
    default:
      return isObj(x)
        ? keyValues(x.values ?? [], `${at}.kvlist`)
        : `${at}: kvlistValue not an object`;
  }
}

function keyValues(kvs: unknown, at: string): string | undefined {
  if (!Array.isArray(kvs)) return `${at}: attributes not an array`;
  for (const kv of kvs) {
    if (!isObj(kv) || typeof kv.key !== 'string') return `${at}: KeyValue without a string key`;
    const e = anyValue(kv.value ?? {}, `${at}.${kv.key}`);
    if (e) return e;
  }
  return undefined;
}

function logRecord(lr: unknown, at: string): string | undefined {
  if (!isObj(lr)) return `${at}: not an object`;
  for (const k of ['timeUnixNano', 'observedTimeUnixNano'] as const) {
    if (lr[k] !== undefined && !(typeof lr[k] === 'string' && UINT64.test(lr[k]))) {
      return `${at}.${k}: ${JSON.stringify(lr[k])} is not a uint64 decimal string`;
    }
  }
  const sev = lr.severityNumber;
  if (
    sev !== undefined &&
    !(Number.isInteger(sev) && (sev as number) >= 0 && (sev as number) <= 24)
  ) {
    return `${at}.severityNumber: ${JSON.stringify(sev)} is not an integer 0–24`;
  }
  if (lr.severityText !== undefined && typeof lr.severityText !== 'string')
    return `${at}.severityText not a string`;
  if (lr.traceId !== undefined && !(typeof lr.traceId === 'string' && HEX32.test(lr.traceId))) {
    return `${at}.traceId: ${JSON.stringify(lr.traceId)} is not 32 lowercase hex digits`;
  }
  if (lr.spanId !== undefined && !(typeof lr.spanId === 'string' && HEX16.test(lr.spanId))) {
    return `${at}.spanId: ${JSON.stringify(lr.spanId)} is not 16 lowercase hex digits`;
  }
  if (lr.flags !== undefined && !Number.isInteger(lr.flags)) return `${at}.flags not an integer`;
  if (lr.body !== undefined) {
    const e = anyValue(lr.body, `${at}.body`);
    if (e) return e;
  }
  return lr.attributes === undefined ? undefined : keyValues(lr.attributes, `${at}.attributes`);
}

/** The first way `data` is not an OTLP/JSON `LogsData`, or undefined when it is one. */
export function logsDataViolation(data: unknown): string | undefined {
  if (!isObj(data) || !Array.isArray(data.resourceLogs)) return 'resourceLogs is not an array';
  for (const [i, rl] of data.resourceLogs.entries()) {
    if (!isObj(rl) || !Array.isArray(rl.scopeLogs))
      return `resourceLogs[${i}].scopeLogs is not an array`;
    if (isObj(rl.resource) && rl.resource.attributes !== undefined) {
      const e = keyValues(rl.resource.attributes, `resourceLogs[${i}].resource.attributes`);
      if (e) return e;
    }
    for (const [j, sl] of rl.scopeLogs.entries()) {
      const at = `resourceLogs[${i}].scopeLogs[${j}]`;
      if (!isObj(sl) || !Array.isArray(sl.logRecords)) return `${at}.logRecords is not an array`;
      for (const [k, lr] of sl.logRecords.entries()) {
        const e = logRecord(lr, `${at}.logRecords[${k}]`);
        if (e) return e;
      }
    }
  }
  return undefined;
}
