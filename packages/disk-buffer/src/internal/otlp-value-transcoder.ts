import { isAscii, isUtf8 } from 'node:buffer';
import {
  MAX_TEXT_UNITS,
  MAX_VALUE_DEPTH,
  type ProtobufWriter,
  UNITS_PER_VALUE,
  writeOtlpInt64,
  writeOtlpNumber,
} from '@spillway/record-format';
import { ByteReader } from './byte-reader';
import { CorruptRecordError } from './errors';
import * as T from './record-tags';

/*
 * The field level of the OTLP transcoder (otlp-transcoder.ts): the stored strings (in the text
 * block of codec version 2, whose lengths count UTF-16 units, or in place in version 1), maps and
 * values of a payload, written as OTLP AnyValue / KeyValue fields with their UTF-8 copied. Each
 * check is the one record normalisation would make of the decoded value (its depth bound and
 * unit budget): where it would substitute, the transcoder declines.
 */

/** Thrown inside: the decode + encode path would not give these bytes (the caller takes it). */
class Declined extends Error {}
export const DECLINED = new Declined('declined');

/** Maps with more keys check duplicates through a Set, not pairwise. */
const PAIRWISE_KEYS = 16;

/** Reads one payload's strings, maps and values; the batch level reads the rest with `rd`. */
export class StoredValueTranscoder {
  protected rd!: ByteReader;
  protected buf!: Buffer;
  protected inline = false;
  private ascii = true;
  /** Byte position in the text block (version 2) and its end. */
  protected tp = 0;
  protected textEnd = 0;
  /** The last string read: its bytes in `buf`, and its length in UTF-16 units. */
  protected sAt = 0;
  protected sLen = 0;
  private sUnits = 0;
  /** Units left of the budget normalisation gives a record (or a resource, a scope). */
  protected budget = 0;
  private keyAt = new Int32Array(64);
  private keyLen = new Int32Array(64);
  private keyTop = 0;

  /** Starts reading `buf`, a payload: its version, and its text block (version 2). */
  protected open(buf: Buffer): void {
    const end = buf.length;
    const version = buf[0];
    this.buf = buf;
    if (version === T.CODEC_VERSION) {
      const textAt = end >= 5 ? buf.readUInt32LE(1) : 0;
      if (textAt < 5 || textAt > end) {
        throw new CorruptRecordError(`text block offset ${textAt} outside the payload`);
      }
      this.rd = new ByteReader(buf, 5, textAt);
      const text = buf.subarray(textAt, end);
      this.ascii = isAscii(text);
      // The decoder would put U+FFFD where bytes are not UTF-8: not a copy any more.
      if (!this.ascii && !isUtf8(text)) throw DECLINED;
      this.inline = false;
      this.tp = textAt;
      this.textEnd = end;
    } else if (version === T.CODEC_VERSION_INLINE_STRINGS) {
      this.rd = new ByteReader(buf, 1, end);
      this.inline = true;
    } else {
      throw new CorruptRecordError(`unknown codec version ${version}`);
    }
  }

  /** A schema URL: its UTF-8 bytes (a view of the payload). */
  protected text(): Uint8Array {
    this.checkedString();
    return this.buf.subarray(this.sAt, this.sAt + this.sLen);
  }

  /** A severity text, scope name or version as `field`, left out when empty (proto3 default). */
  protected optionalText(w: ProtobufWriter, field: number): void {
    this.checkedString();
    const n = this.sLen;
    if (n === 0) return;
    w.tag(field, 2);
    w.varint(n);
    w.raw(this.buf, this.sAt, this.sAt + n);
  }

  /** {@link string} for a text normalisation bounds (longer ones become a placeholder). */
  protected checkedString(): void {
    this.string();
    if (this.sUnits > MAX_TEXT_UNITS) throw DECLINED;
  }

  /** Reads a string's length and finds its bytes (sAt, sLen, sUnits). */
  protected string(): void {
    const rd = this.rd;
    const n = rd.varint();
    if (this.inline) {
      const at = rd.pos;
      const bytes = rd.bytes(n);
      this.sAt = at;
      this.sLen = n;
      this.sUnits = isAscii(bytes) ? n : unitsOf(bytes);
      return;
    }
    const from = this.tp;
    const end = this.textEnd;
    let p = from + n;
    if (!this.ascii) {
      // Valid UTF-8 (checked): each lead byte says its length; four bytes are two units.
      const b = this.buf;
      p = from;
      for (let u = 0; u < n; ) {
        if (p >= end) {
          p = end + 1;
          break;
        }
        const c = b[p]!;
        if (c < 0x80) p += 1;
        else if (c < 0xe0) p += 2;
        else if (c < 0xf0) p += 3;
        else {
          // A length that ends inside a surrogate pair: the decoder's string holds half of it.
          if (u + 1 === n) throw DECLINED;
          p += 4;
          u++;
        }
        u++;
      }
    }
    if (p > end) {
      throw new CorruptRecordError(
        `text overrun: need ${n} chars at byte ${from}, text ends at ${end}`,
      );
    }
    this.tp = p;
    this.sAt = from;
    this.sLen = p - from;
    this.sUnits = n;
  }

  /** A map's entries as KeyValue messages of `field`, values at `depth`. */
  protected map(w: ProtobufWriter, field: number, depth: number, resource: boolean): void {
    const rd = this.rd;
    const n = rd.varint();
    const base = this.keyTop;
    const seen = n > PAIRWISE_KEYS ? new Set<string>() : undefined;
    let lastIndex = -1;
    let named = false;
    for (let i = 0; i < n; i++) {
      this.string();
      const { sAt: at, sLen: len, buf } = this;
      this.budget -= this.sUnits + UNITS_PER_VALUE;
      // A JS object lists index keys first, ascending, and holds a key once: keys in any other
      // order, or repeated, would come back otherwise from the decoded object.
      const index = arrayIndex(buf, at, len);
      if (index >= 0) {
        if (named || index <= lastIndex) throw DECLINED;
        lastIndex = index;
      } else {
        named = true;
        if (seen !== undefined) {
          const k = buf.toString('latin1', at, at + len);
          if (seen.has(k)) throw DECLINED;
          seen.add(k);
        } else {
          this.checkUnique(base, at, len);
        }
      }
      const tag = rd.u8();
      // What the SDK's Resource keeps on both lines: scalars and arrays of one scalar type (3.x
      // drops other values and empty keys; 2.x drops null ones; neither sets `__proto__`).
      if (resource && (len === 0 || kindOf(tag) <= 0 || isProtoKey(buf, at, len))) {
        throw DECLINED;
      }
      w.tag(field, 2);
      const kv = w.begin();
      w.tag(1, 2);
      w.varint(len);
      w.raw(buf, at, at + len);
      w.tag(2, 2);
      const v = w.begin();
      this.value(w, tag, depth, resource);
      w.end(v);
      w.end(kv);
    }
    this.keyTop = base;
    if (this.budget < 0) throw DECLINED;
  }

  private checkUnique(base: number, at: number, len: number): void {
    const b = this.buf;
    for (let j = base; j < this.keyTop; j++) {
      if (this.keyLen[j] !== len) continue;
      const k = this.keyAt[j]!;
      let i = 0;
      while (i < len && b[k + i] === b[at + i]) i++;
      if (i === len) throw DECLINED;
    }
    if (this.keyTop === this.keyAt.length) {
      const grow = (a: Int32Array) => {
        const next = new Int32Array(a.length * 2);
        next.set(a);
        return next;
      };
      this.keyAt = grow(this.keyAt);
      this.keyLen = grow(this.keyLen);
    }
    this.keyAt[this.keyTop] = at;
    this.keyLen[this.keyTop++] = len;
  }

  /**
   * The AnyValue fields of the value tagged `tag`, as the encoder writes the decoded value;
   * `resource`: an array must hold one scalar type (and nulls), as a resource attribute.
   */
  protected value(w: ProtobufWriter, tag: number, depth: number, resource = false): void {
    const rd = this.rd;
    this.budget -= UNITS_PER_VALUE;
    switch (tag) {
      case T.T_NULL:
      case T.T_UNDEFINED:
        break;
      case T.T_FALSE:
      case T.T_TRUE:
        w.tag(2, 0);
        w.varint(tag === T.T_TRUE ? 1 : 0);
        break;
      case T.T_INT:
        w.tag(3, 0);
        writeOtlpInt64(w, rd.zigzag());
        break;
      case T.T_DOUBLE: {
        writeOtlpNumber(w, rd.f64le());
        break;
      }
      case T.T_STRING:
        this.string();
        this.budget -= this.sUnits;
        w.tag(1, 2);
        w.varint(this.sLen);
        w.raw(this.buf, this.sAt, this.sAt + this.sLen);
        break;
      case T.T_BYTES: {
        const n = rd.varint();
        const at = rd.pos;
        rd.skip(n);
        this.budget -= n;
        w.tag(7, 2);
        w.varint(n);
        w.raw(this.buf, at, at + n);
        break;
      }
      case T.T_ARRAY: {
        if (depth >= MAX_VALUE_DEPTH) throw DECLINED;
        const n = rd.varint();
        w.tag(5, 2);
        const arr = w.begin();
        let kind = 0;
        for (let i = 0; i < n; i++) {
          const itemTag = rd.u8();
          if (resource) {
            const k = kindOf(itemTag);
            if (k < 0 || k === ARRAY || (k !== 0 && kind !== 0 && k !== kind)) throw DECLINED;
            kind ||= k;
          }
          w.tag(1, 2);
          const item = w.begin();
          this.value(w, itemTag, depth + 1);
          w.end(item);
        }
        w.end(arr);
        break;
      }
      case T.T_MAP: {
        if (depth >= MAX_VALUE_DEPTH) throw DECLINED;
        w.tag(6, 2);
        const list = w.begin();
        this.map(w, 1, depth + 1, false);
        w.end(list);
        break;
      }
      case T.T_BIGINT:
        throw DECLINED;
      default:
        throw new CorruptRecordError(`unknown value tag ${tag} at ${rd.pos - 1}`);
    }
    if (this.budget < 0) throw DECLINED;
  }
}

/** UTF-16 units of valid UTF-8: one per lead byte, two for a four-byte sequence. */
function unitsOf(bytes: Uint8Array): number {
  if (!isUtf8(bytes)) throw DECLINED;
  let units = 0;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if ((c & 0xc0) !== 0x80) units += c >= 0xf0 ? 2 : 1;
  }
  return units;
}

/** The key's value when it is an array index ("0", "17"; below 2^32 − 1), else -1. */
function arrayIndex(b: Buffer, at: number, len: number): number {
  if (len === 0 || len > 10) return -1;
  const first = b[at]!;
  if (first < 0x30 || first > 0x39 || (first === 0x30 && len > 1)) return -1;
  let v = 0;
  for (let i = 0; i < len; i++) {
    const d = b[at + i]! - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v <= 0xfffffffe ? v : -1;
}

const PROTO = Buffer.from('__proto__');
function isProtoKey(b: Buffer, at: number, len: number): boolean {
  return len === PROTO.length && PROTO.equals(b.subarray(at, at + len));
}

const ARRAY = 4;
/**
 * The JS type of a stored value, as a resource attribute sees it: 0 null or undefined, 1 string,
 * 2 number, 3 boolean, {@link ARRAY}; -1 for anything else.
 */
function kindOf(tag: number): number {
  switch (tag) {
    case T.T_NULL:
    case T.T_UNDEFINED:
      return 0;
    case T.T_STRING:
      return 1;
    case T.T_INT:
    case T.T_DOUBLE:
      return 2;
    case T.T_TRUE:
    case T.T_FALSE:
      return 3;
    case T.T_ARRAY:
      return ARRAY;
    default:
      return -1;
  }
}
