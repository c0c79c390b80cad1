import { crc32 } from '@spillway/record-format';

/*
 * The frame header: a zstd *skippable* frame (RFC 8878 §3.1.2) written before each data frame, so
 * `zstd -dc` ignores it while a reader learns the frame's length, metadata and checksum without
 * the index. Little-endian. Do not reorder fields; add new ones only with a new version.
 *
 *   off size field
 *     0    4 skippable magic 0x184D2A5A
 *     4    4 payload size = 48
 *     8    4 "SWFH"
 *    12    1 version = 1
 *    13    1 max severity number (0–24)
 *    14    2 reserved, 0
 *    16    4 data length: bytes of the zstd data frame that follows
 *    20    4 raw length: bytes the data frame decompresses to
 *    24    4 record count
 *    28    4 line count
 *    32    8 min time, unix nanos (u64)
 *    40    8 max time, unix nanos (u64)
 *    48    4 data checksum: CRC-32 of the data frame's bytes
 *    52    4 header checksum: CRC-32 of bytes 0–51 of this header
 */

export const FRAME_HEADER_BYTES = 56;
export const SKIPPABLE_MAGIC = 0x184d2a5a;
export const FRAME_HEADER_VERSION = 1;
const PAYLOAD_BYTES = FRAME_HEADER_BYTES - 8;
const TAG = 0x48465753; // "SWFH" read as a little-endian u32

/** The first 12 bytes every frame header starts with (used to resynchronise after corruption). */
export const FRAME_HEADER_PREFIX = (() => {
  const b = Buffer.alloc(12);
  b.writeUInt32LE(SKIPPABLE_MAGIC, 0);
  b.writeUInt32LE(PAYLOAD_BYTES, 4);
  b.writeUInt32LE(TAG, 8);
  return b;
})();

export interface FrameHeader {
  maxSeverity: number;
  dataLength: number;
  rawLength: number;
  records: number;
  lines: number;
  minTimeUnixNano: bigint;
  maxTimeUnixNano: bigint;
  checksum: number;
}

export function encodeFrameHeader(h: FrameHeader): Buffer {
  const b = Buffer.alloc(FRAME_HEADER_BYTES);
  FRAME_HEADER_PREFIX.copy(b, 0);
  b.writeUInt8(FRAME_HEADER_VERSION, 12);
  b.writeUInt8(h.maxSeverity, 13);
  b.writeUInt32LE(h.dataLength, 16);
  b.writeUInt32LE(h.rawLength, 20);
  b.writeUInt32LE(h.records, 24);
  b.writeUInt32LE(h.lines, 28);
  b.writeBigUInt64LE(h.minTimeUnixNano, 32);
  b.writeBigUInt64LE(h.maxTimeUnixNano, 40);
  b.writeUInt32LE(h.checksum >>> 0, 48);
  b.writeUInt32LE(crc32(b.subarray(0, 52)), 52);
  return b;
}

/** Why a header did not parse, or the header. */
export type HeaderParse = { ok: true; header: FrameHeader } | { ok: false; reason: string };

export function decodeFrameHeader(b: Buffer): HeaderParse {
  if (b.length < FRAME_HEADER_BYTES) {
    return { ok: false, reason: `truncated header (${b.length} of ${FRAME_HEADER_BYTES} bytes)` };
  }
  if (!b.subarray(0, 12).equals(FRAME_HEADER_PREFIX)) return { ok: false, reason: 'bad magic' };
  const version = b.readUInt8(12);
  if (version !== FRAME_HEADER_VERSION) return { ok: false, reason: `unknown version ${version}` };
  const stored = b.readUInt32LE(52);
  const actual = crc32(b.subarray(0, 52));
  if (stored !== actual) {
    return {
      ok: false,
      reason: `header checksum mismatch (stored ${hex(stored)}, computed ${hex(actual)})`,
    };
  }
  return {
    ok: true,
    header: {
      maxSeverity: b.readUInt8(13),
      dataLength: b.readUInt32LE(16),
      rawLength: b.readUInt32LE(20),
      records: b.readUInt32LE(24),
      lines: b.readUInt32LE(28),
      minTimeUnixNano: b.readBigUInt64LE(32),
      maxTimeUnixNano: b.readBigUInt64LE(40),
      checksum: b.readUInt32LE(48),
    },
  };
}

export function hex(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}
