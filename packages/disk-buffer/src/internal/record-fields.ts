import type { ByteWriter } from './byte-writer';
import {
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

/*
 * The field writers of the WAL record codec (record-encoder.ts writes batches and records with
 * them): values, maps, timestamps, optional texts and span ids, each in the layout FORMAT.md
 * "Batch payload" gives. They throw on what the decoder would not read back; the encoder rewinds
 * the record and writes its normalised copy.
 */

/** The decoder's bound (record-decoder.ts): values at a deeper level are refused. */
const MAX_DEPTH = 64;

export function writeValue(w: ByteWriter, v: unknown, depth: number): void {
  if (depth > MAX_DEPTH) throw new RangeError(`value nested deeper than ${MAX_DEPTH}`);
  switch (typeof v) {
    case 'string':
      w.u8(T_STRING);
      w.text(v);
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
      w.text(v.toString());
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
        for (let i = 0; i < v.length; i++) writeValue(w, v[i], depth + 1);
      } else {
        w.u8(T_MAP);
        writeMap(w, v as Record<string, unknown>, depth + 1);
      }
      return;
    default:
      // Functions and symbols are not log values; the OTLP exporters drop them too.
      w.u8(T_UNDEFINED);
  }
}

export function writeMap(
  w: ByteWriter,
  m: Record<string, unknown>,
  depth: number,
  extra?: [string, string],
): void {
  // Count while writing (for..in allocates no key array); a 1-byte count covers < 128 keys, the
  // rare larger map is rewritten with a full varint.
  const at = w.pos;
  const mark = w.textMark;
  w.u8(0);
  let n = 0;
  for (const k in m) {
    w.text(k);
    writeValue(w, m[k], depth);
    n++;
  }
  if (extra) {
    w.text(extra[0]);
    w.u8(T_STRING);
    w.text(extra[1]);
    n++;
  }
  if (n < 0x80) {
    w.buf[at] = n;
    return;
  }
  w.pos = at;
  w.rewindText(mark);
  const keys = Object.keys(m);
  w.varint(keys.length + (extra ? 1 : 0));
  for (const k of keys) {
    w.text(k);
    writeValue(w, m[k], depth);
  }
  if (extra) {
    w.text(extra[0]);
    w.u8(T_STRING);
    w.text(extra[1]);
  }
}

// HrTime: u32 nanoseconds then u32 seconds (fixed width: faster than varints and as small for
// today's seconds). Seconds outside u32 (never seen in practice) set bit 31 of the nanoseconds
// word and follow as f64, so any number round-trips.
export function writeHrTime(w: ByteWriter, t: readonly [number, number]): void {
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

export function writeOptString(w: ByteWriter, s: string | undefined): void {
  if (s === undefined) {
    w.u8(0);
  } else {
    w.u8(1);
    w.text(s);
  }
}

// Span ids recently written, in a direct-mapped cache keyed by a few of their chars: the records
// of a span repeat its ids (the very same strings, so the comparisons are pointer checks), and a
// hit copies 24 bytes instead of decoding 48 hex digits.
const ID_SLOTS = 256;
const idTrace: Array<string | undefined> = new Array<string | undefined>(ID_SLOTS).fill(undefined);
const idSpan: Array<string | undefined> = new Array<string | undefined>(ID_SLOTS).fill(undefined);
const idBytes = new Uint8Array(ID_SLOTS * 24);
const idView = new DataView(idBytes.buffer);

/** Writes the ids as 24 bytes; false (nothing written) when they are not 32 and 16 hex digits. */
export function writeSpanIds(w: ByteWriter, traceId: string, spanId: string): boolean {
  if (traceId.length !== 32 || spanId.length !== 16) return false;
  const slot =
    ((traceId.charCodeAt(31) * 31 + spanId.charCodeAt(15)) * 31 + spanId.charCodeAt(14)) &
    (ID_SLOTS - 1);
  const from = slot * 24;
  if (idTrace[slot] === traceId && idSpan[slot] === spanId) {
    w.words(idView, from, 24);
    return true;
  }
  const at = w.pos;
  if (!w.hex(traceId, 16) || !w.hex(spanId, 8)) {
    w.pos = at;
    return false;
  }
  const b = w.buf;
  for (let i = 0; i < 24; i++) idBytes[from + i] = b[at + i]!;
  idTrace[slot] = traceId;
  idSpan[slot] = spanId;
  return true;
}
