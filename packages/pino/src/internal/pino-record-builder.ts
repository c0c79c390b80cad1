// Builds the OTel log record of one pino call from what pino's write step receives — the merged
// object (or Error), the message after pino's own interpolation and msgPrefix, the level value —
// and the logger's bindings, without serializing the line and parsing it back.
//
//   merged object ──(logger's serializers, per top-level key, as pino applies them)──▶ attributes
//   bindings (child loggers) ──(parsed once per distinct bindings string)────────────▶ attributes
//   message ─────────────────────────────────────────────────────────────────────────▶ body
//   error key ──(err serializer)──▶ exception (the SDK writes exception.* attributes)
//
// A logger whose output pino rewrites beyond serializers (`redact`, `formatters.log`,
// `nestedKey`) is built from pino's own serialization of the record instead, so redacted values
// never reach the OTel side: one extra serialization and parse, only for records the sampling keeps.
import { FORMATTERS, type PinoLike, type PinoSymbols, SERIALIZERS } from './pino-internals';

type Serializer = (value: unknown) => unknown;

/** The fields of an OTel log record the bridge fills (both OTel lines accept this shape). */
export interface BuiltRecord {
  body: unknown;
  attributes: Record<string, unknown>;
  exception?: unknown;
  eventName?: string;
}

// Keys pino writes itself, and the log-correlation keys instrumentation-pino's mixin adds: the
// SDK takes trace context from the OTel context, and host/pid belong to the resource.
const OWN_KEYS = new Set([
  'level',
  'time',
  'pid',
  'hostname',
  'trace_id',
  'span_id',
  'trace_flags',
]);
const EVENT_NAME = 'event.name';
// Distinct bindings strings parsed so far; cleared when full (a logger made per request with
// unique bindings must not grow it without bound).
const MAX_CACHED_BINDINGS = 512;

export class PinoRecordBuilder {
  private readonly bindings = new Map<string, Readonly<Record<string, unknown>>>();

  constructor(private readonly sym: PinoSymbols) {}

  /** The record of `write(obj, msg, level)` on `logger`. May throw (a hostile value): the caller catches. */
  build(logger: PinoLike, obj: unknown, msg: unknown, level: number): BuiltRecord {
    if (this.rewritesOutput(logger)) return this.fromPinoLine(logger, obj, msg, level);
    const messageKey = logger[this.sym.messageKey] as string;
    const errorKey = logger[this.sym.errorKey] as string;
    const serializers = (logger[SERIALIZERS] ?? {}) as Record<string, Serializer | undefined>;
    const attributes: Record<string, unknown> = { ...this.bindingsOf(logger) };
    const out: BuiltRecord = { body: msg, attributes };
    if (obj instanceof Error) {
      const serializer = serializers[errorKey] ?? serializers.err;
      out.exception = exceptionOf(serializer ? serializer(obj) : obj);
      if (msg === undefined) out.body = obj.message;
      return out;
    }
    if (obj === null || typeof obj !== 'object') return out;
    const o = obj as Record<string, unknown>;
    for (const key in o) {
      if (!Object.hasOwn(o, key)) continue;
      let value = o[key];
      if (value === undefined) continue;
      const serializer = serializers[key] ?? (key === errorKey ? serializers.err : undefined);
      if (serializer !== undefined) value = serializer(value);
      if (value === undefined || typeof value === 'function') continue;
      if (key === messageKey) {
        if (msg === undefined) out.body = value;
      } else if (key === errorKey) {
        out.exception = exceptionOf(value);
        if (msg === undefined && out.body === undefined) out.body = messageOf(value);
      } else if (key === EVENT_NAME && typeof value === 'string') {
        out.eventName = value;
      } else if (!OWN_KEYS.has(key)) {
        attributes[key] = value;
      }
    }
    return out;
  }

  private rewritesOutput(logger: PinoLike): boolean {
    const stringifiers = logger[this.sym.stringifiers] as object | undefined;
    const redacts =
      stringifiers !== undefined &&
      (Object.keys(stringifiers).length > 0 ||
        Object.getOwnPropertySymbols(stringifiers).length > 0);
    const formatters = logger[FORMATTERS] as { log?: unknown } | undefined;
    return redacts || typeof formatters?.log === 'function' || Boolean(logger[this.sym.nestedKey]);
  }

  // The record from the line pino itself would write (its serializers, redaction and formatters
  // applied), parsed back.
  private fromPinoLine(logger: PinoLike, obj: unknown, msg: unknown, level: number): BuiltRecord {
    const messageKey = logger[this.sym.messageKey] as string;
    const errorKey = logger[this.sym.errorKey] as string;
    let merged = obj;
    let message = msg;
    if (obj === null || obj === undefined) merged = {};
    else if (obj instanceof Error) {
      merged = { [errorKey]: obj };
      if (message === undefined) message = obj.message;
    }
    const asJson = logger[this.sym.asJson] as (
      o: unknown,
      m: unknown,
      n: number,
      t: string,
    ) => string;
    const parsed = JSON.parse(asJson.call(logger, merged, message, level, '')) as Record<
      string,
      unknown
    >;
    const { [messageKey]: body, [errorKey]: error, [EVENT_NAME]: eventName, ...rest } = parsed;
    for (const key of OWN_KEYS) delete rest[key];
    const out: BuiltRecord = { body, attributes: rest };
    if (error !== undefined) out.exception = exceptionOf(error);
    if (typeof eventName === 'string') out.eventName = eventName;
    return out;
  }

  private bindingsOf(logger: PinoLike): Readonly<Record<string, unknown>> {
    const chindings = logger[this.sym.chindings];
    if (typeof chindings !== 'string' || chindings === '') return EMPTY;
    let parsed = this.bindings.get(chindings);
    if (parsed === undefined) {
      // pino keeps bindings as the JSON text it writes (`,"pid":1,"hostname":"h",…`).
      const { pid: _pid, hostname: _hostname, ...rest } = JSON.parse(`{${chindings.slice(1)}}`);
      parsed = Object.freeze(rest as Record<string, unknown>);
      if (this.bindings.size >= MAX_CACHED_BINDINGS) this.bindings.clear();
      this.bindings.set(chindings, parsed);
    }
    return parsed;
  }
}

const EMPTY: Readonly<Record<string, unknown>> = Object.freeze({});

// pino's err serializer names the class `type`; the SDK reads `name` (or `code`) for exception.type.
function exceptionOf(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const e = value as Record<string, unknown>;
  if (typeof e.type === 'string' && typeof e.name !== 'string') return { ...e, name: e.type };
  return value;
}

function messageOf(value: unknown): unknown {
  return value !== null && typeof value === 'object'
    ? (value as { message?: unknown }).message
    : undefined;
}
