import { utf8Write, writeHex } from '@spillway/record-format';

/**
 * A growable little-endian byte writer, reused across batches so the hot path allocates nothing
 * but the final copy. Strings do not go in place: {@link text} writes a string's length in UTF-16
 * code units and keeps the string; {@link endText} then writes all of them as one UTF-8 block
 * (one join and one native write per batch: a call into C++ costs more than a short log body, and
 * copying chars one by one in JS costs more than the native encoder).
 */
export class ByteWriter {
  buf: Buffer;
  pos = 0;
  // A view of `buf` for the 4-byte copies of `words` (unaligned, which typed arrays refuse).
  private dv: DataView;
  private readonly f64 = new Float64Array(1);
  private readonly f64Bytes = new Uint8Array(this.f64.buffer);
  // The strings given to `text` since the last `endText`, in order.
  private texts: string[] = [];
  private textCount = 0;
  /** The char `text` read to flatten a rope: a public field, so the read cannot be elided. */
  flattenProbe = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
    this.dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
  }

  reset(pos = 0): void {
    this.pos = pos;
    this.discardText();
  }

  ensure(n: number): void {
    if (this.pos + n > this.buf.length) this.grow(n);
  }

  // Kept out of `ensure` so that stays small enough to inline everywhere.
  private grow(n: number): void {
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
    this.dv = new DataView(next.buffer, next.byteOffset, next.length);
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  /**
   * Unsigned varint of a non-negative safe integer. Throws on anything else (Infinity would never
   * end the loop; a negative or fractional number would write bytes no reader accepts).
   */
  varint(v: number): void {
    this.ensure(10);
    const b = this.buf;
    let p = this.pos;
    if (v >>> 0 === v && v < 0x80) {
      b[p] = v;
      this.pos = p + 1;
      return;
    }
    if (!Number.isSafeInteger(v) || v < 0) {
      throw new RangeError(`varint of ${String(v)}: not a non-negative safe integer`);
    }
    while (v >= 0x80) {
      b[p++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    b[p++] = v;
    this.pos = p;
  }

  f64le(v: number): void {
    this.ensure(8);
    this.f64[0] = v;
    const b = this.buf;
    const f = this.f64Bytes;
    const p = this.pos;
    for (let i = 0; i < 8; i++) b[p + i] = f[i]!;
    this.pos = p + 8;
  }

  /**
   * Writes the varint length of `s` in UTF-16 code units; its chars go in the text block. Throws
   * on a non-string (its chars would not match the length written).
   */
  text(s: string): void {
    if (typeof s !== 'string') throw new TypeError(`text of a ${typeof s}, not a string`);
    this.texts[this.textCount++] = s;
    const n = s.length;
    // Reading a char flattens a rope (a string built by `+=`) in place, once; the join would walk
    // the rope again every time the string is encoded. Only strings of 13+ chars can be ropes.
    if (n >= 13) this.flattenProbe = s.charCodeAt(0);
    if (n < 0x80) {
      this.ensure(1);
      this.buf[this.pos++] = n;
    } else {
      this.varint(n);
    }
  }

  /** How many strings {@link text} holds (to rewind to with {@link rewindText}). */
  get textMark(): number {
    return this.textCount;
  }

  /** Forgets the strings given to {@link text} after `mark` was taken. */
  rewindText(mark: number): void {
    this.textCount = mark;
  }

  /** Writes every string given to {@link text} since the last call, as one UTF-8 block. */
  endText(): void {
    const parts = this.texts;
    parts.length = this.textCount;
    const all = parts.join('');
    this.discardText();
    // Each UTF-16 code unit becomes at most 3 UTF-8 bytes.
    this.ensure(all.length * 3);
    this.pos += utf8Write.call(this.buf, all, this.pos);
  }

  /** Drops the strings held for the text block (also after a failed encode: holds nothing). */
  discardText(): void {
    // Called up to three times per batch (reset, endText, the encoder's finally): only the first
    // of them has strings to drop, and a length store costs even on an empty array.
    if (this.texts.length !== 0) this.texts.length = 0;
    this.textCount = 0;
  }

  /** Appends `len` (a multiple of 4) bytes of `src` from `from`, four at a time. */
  words(src: DataView, from: number, len: number): void {
    this.ensure(len);
    const dv = this.dv;
    const p = this.pos;
    for (let j = 0; j < len; j += 4) dv.setUint32(p + j, src.getUint32(from + j, true), true);
    this.pos = p + len;
  }

  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** Little-endian u32. */
  u32(v: number): void {
    this.ensure(4);
    const b = this.buf;
    const p = this.pos;
    b[p] = v;
    b[p + 1] = v >>> 8;
    b[p + 2] = v >>> 16;
    b[p + 3] = v >>> 24;
    this.pos = p + 4;
  }

  /**
   * Writes `hex` as raw bytes; returns false (pos unchanged, bytes past it clobbered) unless it is
   * exactly `bytes` long and all hex digits.
   */
  hex(hex: string, bytes: number): boolean {
    this.ensure(bytes);
    if (!writeHex(this.buf, this.pos, hex, bytes)) return false;
    this.pos += bytes;
    return true;
  }
}
