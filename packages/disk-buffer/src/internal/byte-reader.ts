import { CorruptRecordError } from './errors';

/**
 * Reads what {@link ByteWriter} wrote; every read is bounds-checked and throws on overrun. Strings
 * come from the batch's text block when one is set ({@link useText}), else from UTF-8 in place
 * (codec version 1).
 */
export class ByteReader {
  pos: number;
  /** Position in `text`, in UTF-16 code units. */
  textPos = 0;
  private text = '';
  private inline = true;
  private readonly f64 = new Float64Array(1);
  private readonly f64Bytes = new Uint8Array(this.f64.buffer);

  constructor(
    readonly buf: Buffer,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  /** Strings are read from `text` (a decoded text block) from now on. */
  useText(text: string): void {
    this.text = text;
    this.textPos = 0;
    this.inline = false;
  }

  /** The text block's chars read since `from`. */
  textSince(from: number): string {
    return this.text.slice(from, this.textPos);
  }

  /** True once every char of the text block has been read. */
  get textDone(): boolean {
    return this.textPos === this.text.length;
  }

  private need(n: number): void {
    if (this.pos + n > this.end) {
      throw new CorruptRecordError(
        `payload overrun: need ${n} bytes at ${this.pos}, end ${this.end}`,
      );
    }
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  varint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.u8();
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 0x80;
    }
    throw new CorruptRecordError(`varint longer than 8 bytes at ${this.pos}`);
  }

  /** A zigzag varint: the signed integer the encoder's `(v << 1) ^ (v >> 31)` wrote. */
  zigzag(): number {
    const z = this.varint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  /** Moves past `len` bytes (bounds-checked, as every read). */
  skip(len: number): void {
    this.need(len);
    this.pos += len;
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  f64le(): number {
    this.need(8);
    this.f64Bytes.set(this.buf.subarray(this.pos, this.pos + 8));
    this.pos += 8;
    return this.f64[0]!;
  }

  string(): string {
    const len = this.varint();
    if (!this.inline) {
      const from = this.textPos;
      const to = from + len;
      if (to > this.text.length) {
        throw new CorruptRecordError(
          `text overrun: need ${len} chars at ${from}, text has ${this.text.length}`,
        );
      }
      this.textPos = to;
      return this.text.slice(from, to);
    }
    this.need(len);
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }

  bytes(len: number): Buffer {
    this.need(len);
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  hex(len: number): string {
    this.need(len);
    const s = this.buf.toString('hex', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }
}
