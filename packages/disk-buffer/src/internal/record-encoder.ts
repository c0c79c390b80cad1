import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { ByteWriter } from './byte-writer';
import {
  CODEC_VERSION,
  F_BODY,
  F_EVENT_NAME,
  F_REMOTE,
  F_SEVERITY_NUMBER,
  F_SEVERITY_TEXT,
  F_SPAN,
  F_TEXT_IDS,
  F_TRACE_STATE,
  HR_WIDE,
  T_ARRAY,
  T_BIGINT,
  T_BYTES,
  T_DOUBLE,
  T_FALSE,
  T_INT,
  T_MAP,
  T_NULL,
  T_STRING,
  T_TRUE,
  T_UNDEFINED,
} from './record-tags';

/**
 * Lossless binary encoding of a batch of ReadableLogRecords (the WAL frame payload, FORMAT.md
 * "Batch payload"). Resources and scopes are written once per batch (deduplicated by identity, as
 * the SDK keeps them stable) and referenced by index from each record.
 */

type Resource = ReadableLogRecord['resource'];
type Scope = ReadableLogRecord['instrumentationScope'];

/** Appended to each record's attributes when `recordUid` is on (never stored in the caller's map). */
export interface ExtraAttribute {
  key: string;
  value: (index: number) => string;
}

function writeValue(w: ByteWriter, v: unknown): void {
  switch (typeof v) {
    case 'string':
      w.u8(T_STRING);
      w.string(v);
      return;
    case 'number':
      if ((v | 0) === v && !Object.is(v, -0)) {
        w.u8(T_INT);
        w.varint(((v << 1) ^ (v >> 31)) >>> 0);
      } else {
        w.u8(T_DOUBLE);
        w.f64le(v);
      }
      return;
    case 'boolean':
      w.u8(v ? T_TRUE : T_FALSE);
      return;
    case 'undefined':
      w.u8(T_UNDEFINED);
      return;
    case 'bigint':
      w.u8(T_BIGINT);
      w.string(v.toString());
      return;
    case 'object':
      if (v === null) {
        w.u8(T_NULL);
      } else if (v instanceof Uint8Array) {
        w.u8(T_BYTES);
        w.varint(v.length);
        w.raw(v);
      } else if (Array.isArray(v)) {
        w.u8(T_ARRAY);
        w.varint(v.length);
        for (let i = 0; i < v.length; i++) writeValue(w, v[i]);
      } else {
        w.u8(T_MAP);
        writeMap(w, v as Record<string, unknown>);
      }
      return;
    default:
      // Functions and symbols are not log values; the OTLP exporters drop them too.
      w.u8(T_UNDEFINED);
  }
}

function writeMap(w: ByteWriter, m: Record<string, unknown>, extra?: [string, string]): void {
  // Count while writing (for..in allocates no key array); a 1-byte count covers < 128 keys, the
  // rare larger map is rewritten with a full varint.
  const at = w.pos;
  w.u8(0);
  let n = 0;
  for (const k in m) {
    w.string(k);
    writeValue(w, m[k]);
    n++;
  }
  if (extra) {
    w.string(extra[0]);
    w.u8(T_STRING);
    w.string(extra[1]);
    n++;
  }
  if (n < 0x80) {
    w.buf[at] = n;
    return;
  }
  w.pos = at;
  const keys = Object.keys(m);
  w.varint(keys.length + (extra ? 1 : 0));
  for (const k of keys) {
    w.string(k);
    writeValue(w, m[k]);
  }
  if (extra) {
    w.string(extra[0]);
    w.u8(T_STRING);
    w.string(extra[1]);
  }
}

// HrTime: u32 nanoseconds then u32 seconds (fixed width: faster than varints and as small for
// today's seconds). Seconds outside u32 (never seen in practice) set bit 31 of the nanoseconds
// word and follow as f64, so any number round-trips.
function writeHrTime(w: ByteWriter, t: readonly [number, number]): void {
  const s = t[0];
  const ns = t[1];
  if (s >>> 0 === s && ns >>> 0 === ns && ns < HR_WIDE) {
    w.u32(ns);
    w.u32(s);
  } else {
    w.u32(HR_WIDE);
    w.f64le(s);
    w.f64le(ns);
  }
}

function writeOptString(w: ByteWriter, s: string | undefined): void {
  if (s === undefined) {
    w.u8(0);
  } else {
    w.u8(1);
    w.string(s);
  }
}

/**
 * Appends the payload of `records` to `w`. `uid`, when given, names the extra attribute stamped on
 * each record (its value from the record's index in the batch).
 */
export function encodeBatch(
  w: ByteWriter,
  records: ReadonlyArray<ReadableLogRecord>,
  uid?: ExtraAttribute,
): void {
  const resources = new Map<Resource, number>();
  const scopes = new Map<Scope, number>();
  const rIdx = new Array<number>(records.length);
  const sIdx = new Array<number>(records.length);
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    let ri = resources.get(r.resource);
    if (ri === undefined) {
      ri = resources.size;
      resources.set(r.resource, ri);
    }
    let si = scopes.get(r.instrumentationScope);
    if (si === undefined) {
      si = scopes.size;
      scopes.set(r.instrumentationScope, si);
    }
    rIdx[i] = ri;
    sIdx[i] = si;
  }
  w.u8(CODEC_VERSION);
  w.varint(resources.size);
  for (const res of resources.keys()) {
    writeMap(w, res.attributes as Record<string, unknown>);
    writeOptString(w, res.schemaUrl);
  }
  w.varint(scopes.size);
  for (const s of scopes.keys()) {
    w.string(s.name);
    writeOptString(w, s.version);
    writeOptString(w, s.schemaUrl);
    if (s.attributes === undefined) {
      w.u8(0);
    } else {
      w.u8(1);
      writeMap(w, s.attributes as Record<string, unknown>);
    }
    w.varint(s.droppedAttributesCount ?? 0);
  }
  w.varint(records.length);
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    w.varint(rIdx[i]!);
    w.varint(sIdx[i]!);
    const sc = r.spanContext;
    const flagsAt = w.pos;
    let flags = 0;
    w.u8(0);
    writeHrTime(w, r.hrTime);
    writeHrTime(w, r.hrTimeObserved);
    if (r.severityNumber !== undefined) {
      flags |= F_SEVERITY_NUMBER;
      w.varint(r.severityNumber as number);
    }
    if (r.severityText !== undefined) {
      flags |= F_SEVERITY_TEXT;
      w.string(r.severityText);
    }
    if (r.body !== undefined) {
      flags |= F_BODY;
      writeValue(w, r.body);
    }
    if (r.eventName !== undefined) {
      flags |= F_EVENT_NAME;
      w.string(r.eventName);
    }
    if (sc !== undefined) {
      flags |= F_SPAN;
      const idsAt = w.pos;
      if (!w.hex(sc.traceId, 16) || !w.hex(sc.spanId, 8)) {
        w.pos = idsAt;
        flags |= F_TEXT_IDS;
        w.string(sc.traceId);
        w.string(sc.spanId);
      }
      w.varint(sc.traceFlags);
      if (sc.isRemote) flags |= F_REMOTE;
      if (sc.traceState !== undefined) {
        flags |= F_TRACE_STATE;
        w.string(sc.traceState.serialize());
      }
    }
    writeMap(w, r.attributes as Record<string, unknown>, uid ? [uid.key, uid.value(i)] : undefined);
    w.varint(r.droppedAttributesCount);
    w.buf[flagsAt] = flags;
  }
}
