import { utf8Write, writeHex } from './byte-helpers';

/**
 * The byte writer of the OTLP protobuf encoder (otlp-protobuf-encode.ts): varints, fixed-width
 * numbers, strings and length-delimited messages, in one growable buffer.
 *
 * Why its own and not the SDK's: strings go through the native UTF-8 writer (`utf8Write`)
 * in one pass, where the SDK's serializer walks each string in JavaScript twice to write it and
 * once more in a size-estimating pass — the strings are most of a log record's bytes.
 *
 * A message's length is written before its bytes: {@link begin} reserves one byte (most nested
 * messages — a key and value, an attribute — are under 128 bytes), {@link end} writes the length
 * there and, for a longer message, moves its bytes up by the extra length bytes.
 */
export class ProtobufWriter {
  private buf: Buffer;
  private pos = 0;
  private readonly f64 = new Float64Array(1);
  private readonly f64Bytes = new Uint8Array(this.f64.buffer);

  constructor(initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** Bytes written so far (a position to {@link rewind} to). */
  get position(): number {
    return this.pos;
  }

  /** Bytes the writer holds before it has to grow. */
  get capacity(): number {
    return this.buf.length;
  }

  /** Forgets what was written after `position` (a message that could not be finished). */
  rewind(position: number): void {
    this.pos = position;
  }

  /** The bytes written, as a copy the writer no longer touches. */
  finish(): Uint8Array {
    return Uint8Array.prototype.slice.call(this.buf, 0, this.pos);
  }

  /** The bytes written, as a view of the writer's buffer: valid until the writer next writes. */
  view(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** An unsigned varint of `v` < 2^32. */
  varint(v: number): void {
    this.ensure(5);
    const b = this.buf;
    let p = this.pos;
    let x = v >>> 0;
    while (x >= 0x80) {
      b[p++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    b[p++] = x;
    this.pos = p;
  }

  /** The varint of the 64-bit value `hi`·2^32 + `lo` (each < 2^32). */
  varint64(lo: number, hi: number): void {
    if (hi === 0) {
      this.varint(lo);
      return;
    }
    this.ensure(10);
    const b = this.buf;
    let p = this.pos;
    let l = lo >>> 0;
    let h = hi >>> 0;
    while (h !== 0 || l >= 0x80) {
      b[p++] = (l & 0x7f) | 0x80;
      l = ((l >>> 7) | (h << 25)) >>> 0;
      h >>>= 7;
    }
    b[p++] = l;
    this.pos = p;
  }

  /** A field's key: its number and wire type. */
  tag(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  fixed32(v: number): void {
    this.ensure(4);
    this.le32(v >>> 0, this.pos);
    this.pos += 4;
  }

  fixed64(lo: number, hi: number): void {
    this.ensure(8);
    this.le32(lo >>> 0, this.pos);
    this.le32(hi >>> 0, this.pos + 4);
    this.pos += 8;
  }

  // Byte stores, not writeUInt32LE: its argument and bounds checks cost more than the write.
  private le32(v: number, at: number): void {
    const b = this.buf;
    b[at] = v;
    b[at + 1] = v >>> 8;
    b[at + 2] = v >>> 16;
    b[at + 3] = v >>> 24;
  }

  double(v: number): void {
    this.ensure(8);
    this.f64[0] = v;
    this.buf.set(this.f64Bytes, this.pos);
    this.pos += 8;
  }

  /** A length-delimited UTF-8 string (a well-formed one: lone surrogates are not expected). */
  string(s: string): void {
    const n = s.length;
    // A string of fewer than 43 code units is under 128 bytes: one length byte, written after.
    if (n < 43) {
      this.ensure(1 + n * 3);
      const at = this.pos;
      const written = utf8Write.call(this.buf, s, at + 1);
      this.buf[at] = written;
      this.pos = at + 1 + written;
      return;
    }
    const bytes = Buffer.byteLength(s, 'utf8');
    this.varint(bytes);
    this.ensure(bytes);
    this.pos += utf8Write.call(this.buf, s, this.pos, bytes);
  }

  /** A length-delimited run of bytes. */
  bytes(v: Uint8Array): void {
    this.varint(v.length);
    this.ensure(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
  }

  /**
   * Bytes `start`..`end` of `src` as they are, with no length before them: a field or message
   * already encoded elsewhere (the WAL transcoder copies stored UTF-8 and finished messages).
   */
  raw(src: Uint8Array, start = 0, end = src.length): void {
    const n = end - start;
    this.ensure(n);
    const b = this.buf;
    const p = this.pos;
    // Short runs (most keys and values) by hand: a subarray for set() costs more than the loop.
    if (n < 32) {
      for (let i = 0; i < n; i++) b[p + i] = src[start + i]!;
    } else {
      b.set(src.subarray(start, end), p);
    }
    this.pos = p + n;
  }

  /**
   * `hex` as length-delimited raw bytes when it is an even number (below 256) of hex digits; false
   * (nothing written) otherwise.
   */
  hexBytes(hex: string): boolean {
    const n = hex.length;
    if (n % 2 !== 0 || n >= 256) return false;
    this.ensure(1 + n / 2);
    if (!writeHex(this.buf, this.pos + 1, hex, n / 2)) return false;
    this.buf[this.pos] = n / 2;
    this.pos += 1 + n / 2;
    return true;
  }

  /** Starts a length-delimited message; pass what it returns to {@link end}. */
  begin(): number {
    this.ensure(1);
    return this.pos++;
  }

  /** Ends the message {@link begin} started at `mark`, writing its length before it. */
  end(mark: number): void {
    const length = this.pos - mark - 1;
    if (length < 0x80) {
      this.buf[mark] = length;
      return;
    }
    let extra = 1;
    for (let x = length >>> 14; x > 0; x >>>= 7) extra++;
    this.ensure(extra);
    this.buf.copyWithin(mark + 1 + extra, mark + 1, this.pos);
    let p = mark;
    let x = length;
    while (x >= 0x80) {
      this.buf[p++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    this.buf[p] = x;
    this.pos += extra;
  }
}
