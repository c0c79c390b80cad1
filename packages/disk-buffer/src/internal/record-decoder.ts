import { createTraceState, type SpanContext } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { ByteReader } from './byte-reader';
import { CorruptRecordError } from './errors';
import {
  CODEC_VERSION,
  CODEC_VERSION_INLINE_STRINGS,
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

type Resource = ReadableLogRecord['resource'];
type Scope = ReadableLogRecord['instrumentationScope'];
type Attributes = ReadableLogRecord['attributes'];

function readHrTime(rd: ByteReader): [number, number] {
  const ns = rd.u32();
  if (ns === HR_WIDE) return [rd.f64le(), rd.f64le()];
  return [rd.u32(), ns];
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
    case T_INT:
      return rd.zigzag();
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
    const v = readValue(rd, depth);
    // `out.__proto__ = v` would set the prototype (or be ignored), not write the key.
    if (k === '__proto__') {
      Object.defineProperty(out, k, {
        value: v,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else {
      out[k] = v;
    }
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
    const version = buf[start];
    let rd: ByteReader;
    if (version === CODEC_VERSION) {
      // u8 version | u32 offset of the text block | structure | text block (UTF-8, to the end)
      const textAt = end - start >= 5 ? buf.readUInt32LE(start + 1) : 0;
      if (textAt < 5 || textAt > end - start) {
        throw new CorruptRecordError(`text block offset ${textAt} outside the payload`);
      }
      rd = new ByteReader(buf, start + 5, start + textAt);
      rd.useText(buf.toString('utf8', start + textAt, end));
    } else if (version === CODEC_VERSION_INLINE_STRINGS) {
      rd = new ByteReader(buf, start + 1, end);
    } else {
      throw new CorruptRecordError(`unknown codec version ${version}`);
    }
    const nRes = rd.varint();
    const resources: Resource[] = [];
    for (let i = 0; i < nRes; i++) {
      const at = rd.pos;
      const textAt = rd.textPos;
      const attributes = readMap(rd, 0);
      const schemaUrl = readOptString(rd);
      // Its bytes (with the lengths of its strings) then its chars: the same key for the same resource.
      const key = buf.toString('latin1', at, rd.pos) + rd.textSince(textAt);
      let res = this.resources.get(key);
      if (res === undefined) {
        res = resourceFromAttributes(
          attributes as Parameters<typeof resourceFromAttributes>[0],
          schemaUrl === undefined ? undefined : { schemaUrl },
        );
        rememberBounded(this.resources, key, res);
      }
      resources.push(res);
    }
    const nScopes = rd.varint();
    const scopes: Scope[] = [];
    for (let i = 0; i < nScopes; i++) {
      const at = rd.pos;
      const textAt = rd.textPos;
      const name = rd.string();
      const version = readOptString(rd);
      const schemaUrl = readOptString(rd);
      const attributes = rd.u8() === 1 ? readMap(rd, 0) : undefined;
      const dropped = rd.varint();
      const key = buf.toString('latin1', at, rd.pos) + rd.textSince(textAt);
      let scope = this.scopes.get(key);
      if (scope === undefined) {
        const s: { -readonly [K in keyof Scope]: Scope[K] } = { name };
        if (version !== undefined) s.version = version;
        if (schemaUrl !== undefined) s.schemaUrl = schemaUrl;
        if (attributes !== undefined) s.attributes = attributes as Attributes;
        if (dropped !== 0) s.droppedAttributesCount = dropped;
        scope = s;
        rememberBounded(this.scopes, key, scope);
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
    if (rd.pos !== rd.end) {
      throw new CorruptRecordError(`payload has ${rd.end - rd.pos} bytes after its last record`);
    }
    if (!rd.textDone) throw new CorruptRecordError('text block has chars after its last string');
    return out;
  }
}

/** Resources (and scopes) a decoder remembers per call before it starts afresh. */
const REMEMBERED = 64;

/**
 * Remembers `value` under `key`, emptying `map` first when it holds {@link REMEMBERED}: bounded,
 * so a stream of distinct resources cannot grow it without limit. The OTLP transcoder keys and
 * forgets exactly as the decoder does (its requests group records by the objects decoding makes).
 */
export function rememberBounded<V>(map: Map<string, V>, key: string, value: V): void {
  if (map.size >= REMEMBERED) map.clear();
  map.set(key, value);
}
