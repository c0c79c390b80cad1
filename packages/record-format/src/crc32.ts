import * as zlib from 'node:zlib';

/**
 * CRC-32 (ISO-HDLC, the zlib/PNG polynomial 0xEDB88320, reflected, init and final XOR 0xFFFFFFFF).
 * Node ≥ 20.15 ships it as `zlib.crc32` (native, several GB/s); older Node gets the table version
 * below, which computes the same value at ~400 MB/s.
 */
export type Crc32 = (data: Uint8Array, start?: number, end?: number) => number;

const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

let table: Int32Array | undefined;

function makeTable(): Int32Array {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
}

/** The portable implementation (Node < 20.15), exported so tests check it against `zlib.crc32`. */
export function crc32Table(data: Uint8Array, start = 0, end = data.length): number {
  table ??= makeTable();
  let c = -1;
  for (let i = start; i < end; i++) c = table[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

function crc32Native(data: Uint8Array, start = 0, end = data.length): number {
  const view = start === 0 && end === data.length ? data : data.subarray(start, end);
  return native!(view) >>> 0;
}

/** CRC-32 of `data[start, end)`. */
export const crc32: Crc32 = native ? crc32Native : crc32Table;
