/*
 * Two byte-level helpers of the binary encoders (the WAL codec's byte writer in the disk buffer,
 * the OTLP protobuf writer here): the hot paths write strings and trace ids into a Buffer at a
 * position, and both calls below are measurably cheaper than the public Buffer API.
 */

type Utf8Write = (this: Buffer, s: string, offset: number, length?: number) => number;

/**
 * `Buffer#utf8Write`: what `buf.write(s, offset, 'utf8')` calls, without `write`'s argument
 * juggling (falls back to `write` where Node does not have it). Call it with the buffer as
 * `this`; returns the bytes written.
 */
export const utf8Write: Utf8Write =
  (Buffer.prototype as unknown as { utf8Write?: Utf8Write }).utf8Write ??
  function (this: Buffer, s: string, offset: number, length?: number) {
    return length === undefined ? this.write(s, offset, 'utf8') : this.write(s, offset, length);
  };

// Two hex digits (char codes < 128, packed as hi << 7 | lo) → their byte, or -1: one table load
// per byte instead of two, and no native call (Buffer#hexWrite costs more than the decode).
const HEX_PAIR = /* @__PURE__ */ (() => {
  const digit = new Int8Array(128).fill(-1);
  for (let i = 0; i < 10; i++) digit[48 + i] = i;
  for (let i = 0; i < 6; i++) {
    digit[65 + i] = 10 + i; // as Buffer#hexWrite, upper case too
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
 * Writes `hex` into `buf` at `at` as `bytes` raw bytes; false (bytes from `at` clobbered) unless
 * `hex` is exactly `bytes` bytes of hex digits. The caller ensures the room.
 */
export function writeHex(buf: Uint8Array, at: number, hex: string, bytes: number): boolean {
  if (hex.length !== bytes * 2) return false;
  for (let i = 0; i < bytes; i++) {
    const hi = hex.charCodeAt(2 * i);
    const lo = hex.charCodeAt(2 * i + 1);
    // Codes ≥ 128 would alias in the table: reject them before it.
    const v = (hi | lo) > 0x7f ? -1 : HEX_PAIR[(hi << 7) | lo]!;
    if (v < 0) return false;
    buf[at + i] = v;
  }
  return true;
}
