type Utf8Write = (this: Buffer, s: string, offset: number) => number;
// Buffer#utf8Write skips `write`'s argument juggling (it is what `write(s, o, 'utf8')` calls).
const utf8Write: Utf8Write =
  (Buffer.prototype as unknown as { utf8Write?: Utf8Write }).utf8Write ??
  function (this: Buffer, s: string, offset: number) {
    return this.write(s, offset, 'utf8');
  };

type HexWrite = (this: Buffer, s: string, offset: number, length: number) => number;
const hexWrite: HexWrite =
  (Buffer.prototype as unknown as { hexWrite?: HexWrite }).hexWrite ??
  function (this: Buffer, s: string, offset: number, length: number) {
    return this.write(s, offset, length, 'hex');
  };

/**
 * A growable little-endian byte writer, reused across batches so the hot path allocates nothing
 * but the final copy. Lengths are LEB128 varints; a string's length is reserved before its bytes
 * are written (1 byte when it cannot exceed 127 bytes, else 3) and back-filled, padded with
 * continuation bytes when shorter, so no string is scanned twice.
 */
export class ByteWriter {
  buf: Buffer;
  pos = 0;
  private readonly f64 = new Float64Array(1);
  private readonly f64Bytes = new Uint8Array(this.f64.buffer);

  constructor(initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  reset(pos = 0): void {
    this.pos = pos;
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  /** Unsigned varint of a non-negative safe integer. */
  varint(v: number): void {
    this.ensure(10);
    const b = this.buf;
    let p = this.pos;
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
    this.buf.set(this.f64Bytes, this.pos);
    this.pos += 8;
  }

  string(s: string): void {
    const n = s.length;
    // UTF-16 code units expand to at most 3 UTF-8 bytes each.
    this.ensure(n * 3 + 3);
    const b = this.buf;
    if (n <= 42) {
      const start = this.pos + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        b[start + i] = c;
      }
      const len = i === n ? n : utf8Write.call(b, s, start);
      b[this.pos] = len;
      this.pos = start + len;
      return;
    }
    const start = this.pos + 3;
    const len = utf8Write.call(b, s, start);
    if (len >= 0x200000) {
      // Too long for a 3-byte varint (2 MiB): move the bytes to make room for a full varint.
      const bytes = Buffer.from(b.subarray(start, start + len));
      this.varint(len);
      this.raw(bytes);
      return;
    }
    b[this.pos] = (len & 0x7f) | 0x80;
    b[this.pos + 1] = ((len >>> 7) & 0x7f) | 0x80;
    b[this.pos + 2] = len >>> 14;
    this.pos = start + len;
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
   * Writes `hex` as raw bytes; returns false (pos unchanged) unless it is exactly `bytes` long and
   * all hex digits.
   */
  hex(hex: string, bytes: number): boolean {
    if (hex.length !== bytes * 2) return false;
    this.ensure(bytes);
    // Stops at the first non-hex digit; a short count means the id is not hex.
    if (hexWrite.call(this.buf, hex, this.pos, bytes) !== bytes) return false;
    this.pos += bytes;
    return true;
  }
}
