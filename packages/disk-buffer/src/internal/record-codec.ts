import { createTraceState, type SpanContext } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { ByteReader } from './byte-reader';
import type { ByteWriter } from './byte-writer';
import { CorruptRecordError } from './errors';

/**
 * Lossless binary encoding of a batch of ReadableLogRecords (the WAL frame payload, FORMAT.md
 * "Batch payload"). Resources and scopes are written once per batch (deduplicated by identity, as
 * the SDK keeps them stable) and referenced by index from each record.
 */

export const CODEC_VERSION = 1;

type Resource = ReadableLogRecord['resource'];
type Scope = ReadableLogRecord['instrumentationScope'];
type Attributes = ReadableLogRecord['attributes'];

// Value tags. Do not renumber: they are on disk.
const T_NULL = 0;
const T_UNDEFINED = 1;
const T_FALSE = 2;
const T_TRUE = 3;
const T_INT = 4; // zigzag varint, |v| < 2^31
const T_DOUBLE = 5; // f64 LE
const T_STRING = 6;
const T_BYTES = 7;
const T_ARRAY = 8;
const T_MAP = 9;
const T_BIGINT = 10; // decimal string

// Record presence flags.
const F_SPAN = 1;
const F_SEVERITY_TEXT = 2;
const F_SEVERITY_NUMBER = 4;
const F_BODY = 8;
const F_EVENT_NAME = 16;
const F_TRACE_STATE = 32;
const F_REMOTE = 64;
const F_TEXT_IDS = 128; // ids that are not 32/16 hex chars are kept as strings

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
const HR_WIDE = 0x80000000;

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

function readHrTime(rd: ByteReader): [number, number] {
  const ns = rd.u32();
  if (ns === HR_WIDE) return [rd.f64le(), rd.f64le()];
  return [rd.u32(), ns];
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

function readValue(rd: ByteReader, depth: number): unknown {
  if (depth > 64) throw new CorruptRecordError('values nested deeper than 64');
  const tag = rd.u8();
  switch (tag) {
    case T_NULL:
      return null;
    case T_UNDEFINED:
      return undefined;
    case T_FALSE:
      return false;
    case T_TRUE:
      return true;
    case T_INT: {
      const z = rd.varint();
      return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
    }
    case T_DOUBLE:
      return rd.f64le();
    case T_STRING:
      return rd.string();
    case T_BYTES:
      return new Uint8Array(rd.bytes(rd.varint()));
    case T_ARRAY: {
      const n = rd.varint();
      const out = new Array<unknown>(n);
      for (let i = 0; i < n; i++) out[i] = readValue(rd, depth + 1);
      return out;
    }
    case T_MAP:
      return readMap(rd, depth + 1);
    case T_BIGINT:
      return BigInt(rd.string());
    default:
      throw new CorruptRecordError(`unknown value tag ${tag} at ${rd.pos - 1}`);
  }
}

function readMap(rd: ByteReader, depth: number): Record<string, unknown> {
  const n = rd.varint();
  const out: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    const k = rd.string();
    out[k] = readValue(rd, depth);
  }
  return out;
}

function readOptString(rd: ByteReader): string | undefined {
  return rd.u8() === 1 ? rd.string() : undefined;
}

/**
 * Decodes batches, reusing one Resource / scope object per distinct encoding so that records of
 * consecutive batches group together in the downstream exporter's request.
 */
export class BatchDecoder {
  private readonly resources = new Map<string, Resource>();
  private readonly scopes = new Map<string, Scope>();

  decode(buf: Buffer, start: number, end: number): ReadableLogRecord[] {
    const rd = new ByteReader(buf, start, end);
    const version = rd.u8();
    if (version !== CODEC_VERSION) throw new CorruptRecordError(`unknown codec version ${version}`);
    const nRes = rd.varint();
    const resources: Resource[] = [];
    for (let i = 0; i < nRes; i++) {
      const at = rd.pos;
      const attributes = readMap(rd, 0);
      const schemaUrl = readOptString(rd);
      const key = buf.toString('latin1', at, rd.pos);
      let res = this.resources.get(key);
      if (res === undefined) {
        res = resourceFromAttributes(
          attributes as Parameters<typeof resourceFromAttributes>[0],
          schemaUrl === undefined ? undefined : { schemaUrl },
        );
        this.remember(this.resources, key, res);
      }
      resources.push(res);
    }
    const nScopes = rd.varint();
    const scopes: Scope[] = [];
    for (let i = 0; i < nScopes; i++) {
      const at = rd.pos;
      const name = rd.string();
      const version = readOptString(rd);
      const schemaUrl = readOptString(rd);
      const attributes = rd.u8() === 1 ? readMap(rd, 0) : undefined;
      const dropped = rd.varint();
      const key = buf.toString('latin1', at, rd.pos);
      let scope = this.scopes.get(key);
      if (scope === undefined) {
        const s: { -readonly [K in keyof Scope]: Scope[K] } = { name };
        if (version !== undefined) s.version = version;
        if (schemaUrl !== undefined) s.schemaUrl = schemaUrl;
        if (attributes !== undefined) s.attributes = attributes as Attributes;
        if (dropped !== 0) s.droppedAttributesCount = dropped;
        scope = s;
        this.remember(this.scopes, key, scope);
      }
      scopes.push(scope);
    }
    const n = rd.varint();
    const out = new Array<ReadableLogRecord>(n);
    for (let i = 0; i < n; i++) {
      const resource = resources[rd.varint()];
      const instrumentationScope = scopes[rd.varint()];
      if (resource === undefined || instrumentationScope === undefined) {
        throw new CorruptRecordError(
          `record ${i} names a resource or scope that is not in the batch`,
        );
      }
      const flags = rd.u8();
      const hrTime = readHrTime(rd);
      const hrTimeObserved = readHrTime(rd);
      const rec: {
        -readonly [K in keyof ReadableLogRecord]: ReadableLogRecord[K];
      } = {
        hrTime,
        hrTimeObserved,
        resource,
        instrumentationScope,
        attributes: {},
        droppedAttributesCount: 0,
      };
      if (flags & F_SEVERITY_NUMBER) rec.severityNumber = rd.varint();
      if (flags & F_SEVERITY_TEXT) rec.severityText = rd.string();
      if (flags & F_BODY) rec.body = readValue(rd, 0) as ReadableLogRecord['body'];
      if (flags & F_EVENT_NAME) rec.eventName = rd.string();
      if (flags & F_SPAN) {
        const text = (flags & F_TEXT_IDS) !== 0;
        const traceId = text ? rd.string() : rd.hex(16);
        const spanId = text ? rd.string() : rd.hex(8);
        const sc: SpanContext = { traceId, spanId, traceFlags: rd.varint() };
        if (flags & F_REMOTE) sc.isRemote = true;
        if (flags & F_TRACE_STATE) sc.traceState = createTraceState(rd.string());
        rec.spanContext = sc;
      }
      rec.attributes = readMap(rd, 0) as Attributes;
      rec.droppedAttributesCount = rd.varint();
      out[i] = rec;
    }
    if (rd.pos !== end) {
      throw new CorruptRecordError(`payload has ${end - rd.pos} bytes after its last record`);
    }
    return out;
  }

  // Bounded so a stream of distinct resources cannot grow it without limit.
  private remember<V>(map: Map<string, V>, key: string, value: V): void {
    if (map.size >= 64) map.clear();
    map.set(key, value);
  }
}
