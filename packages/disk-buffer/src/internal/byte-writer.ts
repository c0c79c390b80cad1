type Utf8Write = (this: Buffer, s: string, offset: number) => number;
// Buffer#utf8Write skips `write`'s argument juggling (it is what `write(s, o, 'utf8')` calls).
const utf8Write: Utf8Write =
  (Buffer.prototype as unknown as { utf8Write?: Utf8Write }).utf8Write ??
  function (this: Buffer, s: string, offset: number) {
    return this.write(s, offset, 'utf8');
  };

// A call into C++ (utf8Write) costs ~100 ns on its own, more than copying a short ASCII string
// char by char; past this many UTF-16 units the native copy wins. 42 is also where a string's
// reserved length prefix grows from 1 byte to 3 (42 × 3 ≤ 127), which the format relies on.
const SHORT_STRING = 42;
// Strings at least this long are deferred while a batch is encoded (see `flushDeferred`): below
// it, encoding in place costs less than the bookkeeping.
const DEFER_MIN = 16;
// Deferred text is flushed at this many UTF-16 units (bounds the scratch space, and keeps it far
// below the 3-byte length limit of 2 MiB).
const MAX_DEFERRED = 256 * 1024;

// Two hex digits (char codes < 128, packed as hi << 7 | lo) → their byte, or -1: one table load
// per byte instead of two, and no native call (Buffer#hexWrite costs more than the decode).
const HEX_PAIR = /* @__PURE__ */ (() => {
  const digit = new Int8Array(128).fill(-1);
  for (let i = 0; i < 10; i++) digit[48 + i] = i;
  for (let i = 0; i < 6; i++) {
    digit[65 + i] = 10 + i; // Buffer#hexWrite, which this replaces, took upper case too
    digit[97 + i] = 10 + i;
  }
  const t = new Int16Array(128 * 128).fill(-1);
  for (let hi = 0; hi < 128; hi++) {
    for (let lo = 0; lo < 128; lo++) {
      if (digit[hi]! >= 0 && digit[lo]! >= 0) t[(hi << 7) | lo] = (digit[hi]! << 4) | digit[lo]!;
    }
  }
  return t;
})();

/**
 * A growable little-endian byte writer, reused across batches so the hot path allocates nothing
 * but the final copy. Lengths are LEB128 varints; a string's length is reserved before its bytes
 * are written (1 byte when it cannot exceed 127 bytes, else 3) and back-filled, padded with
 * continuation bytes when shorter, so no string is scanned twice.
 */
export class ByteWriter {
  buf: Buffer;
  pos = 0;
  /** Set by the batch encoder: long strings are deferred (see `flushDeferred`). */
  deferLong = false;
  /** A deferred string turned out not to be ASCII: the caller must encode again, undeferred. */
  deferFailed = false;
  // A view of `buf` for the 4-byte copies of `flushDeferred` (unaligned, which typed arrays refuse).
  private dv: DataView;
  private readonly f64 = new Float64Array(1);
  private readonly f64Bytes = new Uint8Array(this.f64.buffer);
  // Deferred strings, with where each one's bytes go and the total of their lengths.
  private deferred: string[] = [];
  private deferredChars = 0;
  private deferredAt: number[] = [];
  private deferredLen: number[] = [];
  private deferredN = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
    this.dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
  }

  reset(pos = 0): void {
    this.pos = pos;
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

  /** Unsigned varint of a non-negative safe integer. */
  varint(v: number): void {
    this.ensure(10);
    const b = this.buf;
    let p = this.pos;
    if (v < 0x80) {
      b[p] = v;
      this.pos = p + 1;
      return;
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

  string(s: string): void {
    const n = s.length;
    // UTF-16 code units expand to at most 3 UTF-8 bytes each.
    this.ensure(n * 3 + 3);
    const b = this.buf;
    const at = this.pos;
    // Reading a char also flattens a rope in place (which joining them would not, re-walking it on
    // every encode of the same string); a non-ASCII one is not worth deferring.
    if (n >= DEFER_MIN && this.deferLong && n < MAX_DEFERRED && s.charCodeAt(0) < 0x80) {
      this.defer(s, n);
      return;
    }
    if (n <= SHORT_STRING) {
      const start = at + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        b[start + i] = c;
      }
      const len = i === n ? n : utf8Write.call(b, s, start);
      b[at] = len;
      this.pos = start + len;
      return;
    }
    const start = at + 3;
    const len = utf8Write.call(b, s, start);
    if (len >= 0x200000) {
      // Too long for a 3-byte varint (2 MiB): move the bytes to make room for a full varint.
      const bytes = Buffer.from(b.subarray(start, start + len));
      this.varint(len);
      this.raw(bytes);
      return;
    }
    b[at] = (len & 0x7f) | 0x80;
    b[at + 1] = ((len >>> 7) & 0x7f) | 0x80;
    b[at + 2] = len >>> 14;
    this.pos = start + len;
  }

  // Assumes `s` is ASCII (its byte length its length), writes the length and leaves the bytes to
  // `flushDeferred`, which checks the assumption for all deferred strings at once.
  private defer(s: string, n: number): void {
    const b = this.buf;
    let at = this.pos;
    // The same 1- or 3-byte length `string` would write for an ASCII string.
    if (n <= SHORT_STRING) {
      b[at++] = n;
    } else {
      b[at] = (n & 0x7f) | 0x80;
      b[at + 1] = ((n >>> 7) & 0x7f) | 0x80;
      b[at + 2] = n >>> 14;
      at += 3;
    }
    const k = this.deferredN++;
    this.deferredAt[k] = at;
    this.deferredLen[k] = n;
    this.deferred[k] = s;
    this.deferredChars += n;
    this.pos = at + n;
    if (this.deferredChars >= MAX_DEFERRED && !this.flushDeferred()) this.abandonDeferral();
  }

  /**
   * Writes the deferred strings: one utf8Write of their concatenation past `pos` (a call into C++
   * costs more than encoding a log body, so one per batch instead of one per string), then word
   * copies into the reserved places. False, writing nothing, when they were not all ASCII.
   */
  flushDeferred(): boolean {
    const n = this.deferredN;
    if (n === 0) return true;
    const parts = this.deferred;
    // Joined in one builtin call: no intermediate rope nodes to allocate.
    parts.length = n;
    const text = parts.join('');
    parts.length = 0; // holds no strings between batches
    this.deferredChars = 0;
    this.deferredN = 0;
    // Room for any UTF-8 expansion, so a short count can only mean "not ASCII".
    this.ensure(text.length * 3 + 4);
    const b = this.buf;
    let q = this.pos;
    if (utf8Write.call(b, text, q) !== text.length) return false;
    const dv = this.dv;
    const atList = this.deferredAt;
    const lenList = this.deferredLen;
    for (let k = 0; k < n; k++) {
      const t = atList[k]!;
      const len = lenList[k]!;
      let j = 0;
      for (; j + 4 <= len; j += 4) dv.setUint32(t + j, dv.getUint32(q + j, true), true);
      for (; j < len; j++) b[t + j] = b[q + j]!;
      q += len;
    }
    return true;
  }

  /** Stops deferring for this batch, which the caller then encodes again. */
  abandonDeferral(): void {
    this.deferred.length = 0;
    this.deferredChars = 0;
    this.deferredN = 0;
    this.deferLong = false;
    this.deferFailed = true;
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
    if (hex.length !== bytes * 2) return false;
    this.ensure(bytes);
    const b = this.buf;
    const p = this.pos;
    for (let i = 0; i < bytes; i++) {
      const hi = hex.charCodeAt(2 * i);
      const lo = hex.charCodeAt(2 * i + 1);
      // Codes ≥ 128 would alias in the table: reject them before it.
      const v = (hi | lo) > 0x7f ? -1 : HEX_PAIR[(hi << 7) | lo]!;
      if (v < 0) return false;
      b[p + i] = v;
    }
    this.pos = p + bytes;
    return true;
  }
}
