import { crc32 } from '@spillway/record-format';

/*
 * The frame header: a zstd *skippable* frame (RFC 8878 §3.1.2) written before each data frame, so
 * `zstd -dc` ignores it while a reader learns the frame's length, metadata and checksum without
 * the index. Little-endian. Do not reorder fields; add new ones only with a new version.
 *
 * Version 1 (56 bytes, plain frames):       Version 2 (104 bytes, encrypted and/or chained):
 *   off size field                            off size field
 *     0    4 skippable magic 0x184D2A5A          0–13 as version 1 (payload size = 96, version 2)
 *     4    4 payload size = 48                  14    1 flags: 1 encrypted, 2 chained, 4 HMAC link
 *     8    4 "SWFH"                             15    1 reserved, 0
 *    12    1 version = 1                      16–51 as version 1 (data = what is stored:
 *    13    1 max severity number (0–24)              ciphertext + 16-byte GCM tag when encrypted)
 *    14    2 reserved, 0                        52    4 key id (0 when not encrypted)
 *    16    4 data length                        56   12 AES-GCM nonce (0s when not encrypted)
 *    20    4 raw length (decompressed)          68   32 link: SHA-256 / HMAC-SHA-256 of the
 *    24    4 record count                               previous frame's bytes (0s: none)
 *    28    4 line count                        100    4 header checksum: CRC-32 of bytes 0–99
 *    32    8 min time, unix nanos (u64)
 *    40    8 max time, unix nanos (u64)
 *    48    4 data checksum: CRC-32 of the data frame's bytes
 *    52    4 header checksum: CRC-32 of bytes 0–51 of this header
 */

/** Bytes of a version 1 header, the shortest one. */
export const FRAME_HEADER_BYTES = 56;
/** Bytes of a version 2 header, the longest one: read this many to decode any header. */
export const MAX_FRAME_HEADER_BYTES = 104;
export const SKIPPABLE_MAGIC = 0x184d2a5a;
export const FRAME_HEADER_VERSION = 1;
export const FRAME_HEADER_VERSION_2 = 2;
const TAG = 0x48465753; // "SWFH" read as a little-endian u32

export const FLAG_ENCRYPTED = 1;
export const FLAG_CHAINED = 2;
export const FLAG_HMAC = 4;
const KNOWN_FLAGS = FLAG_ENCRYPTED | FLAG_CHAINED | FLAG_HMAC;
export const NONCE_BYTES = 12;
export const LINK_BYTES = 32;
export const GCM_TAG_BYTES = 16;

function prefixOf(headerBytes: number): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt32LE(SKIPPABLE_MAGIC, 0);
  b.writeUInt32LE(headerBytes - 8, 4);
  b.writeUInt32LE(TAG, 8);
  return b;
}

/** The first 12 bytes every version 1 frame header starts with. */
export const FRAME_HEADER_PREFIX = prefixOf(FRAME_HEADER_BYTES);
/** The first 12 bytes every version 2 frame header starts with (payload size 96). */
export const FRAME_HEADER_PREFIX_2 = prefixOf(MAX_FRAME_HEADER_BYTES);
const SKIPPABLE_MAGIC_BYTES = FRAME_HEADER_PREFIX.subarray(0, 4);

export interface FrameHeader {
  maxSeverity: number;
  dataLength: number;
  rawLength: number;
  records: number;
  lines: number;
  minTimeUnixNano: bigint;
  maxTimeUnixNano: bigint;
  checksum: number;
  /** Bytes of the header itself: 56 (version 1) or 104 (version 2). */
  headerBytes?: number;
  /** Version 2 flags ({@link FLAG_ENCRYPTED}, {@link FLAG_CHAINED}, {@link FLAG_HMAC}); 0 in v1. */
  flags?: number;
  keyId?: number;
  nonce?: Buffer;
  link?: Buffer;
}

/** A decoded header: every field known (version 1 headers read as flags 0). */
export type DecodedHeader = Required<FrameHeader>;

export function encodeFrameHeader(h: FrameHeader): Buffer {
  const v2 = (h.flags ?? 0) !== 0;
  const size = v2 ? MAX_FRAME_HEADER_BYTES : FRAME_HEADER_BYTES;
  const b = Buffer.alloc(size);
  (v2 ? FRAME_HEADER_PREFIX_2 : FRAME_HEADER_PREFIX).copy(b, 0);
  b.writeUInt8(v2 ? FRAME_HEADER_VERSION_2 : FRAME_HEADER_VERSION, 12);
  b.writeUInt8(h.maxSeverity, 13);
  if (v2) b.writeUInt8(h.flags!, 14);
  b.writeUInt32LE(h.dataLength, 16);
  b.writeUInt32LE(h.rawLength, 20);
  b.writeUInt32LE(h.records, 24);
  b.writeUInt32LE(h.lines, 28);
  b.writeBigUInt64LE(h.minTimeUnixNano, 32);
  b.writeBigUInt64LE(h.maxTimeUnixNano, 40);
  if (v2) {
    b.writeUInt32LE((h.keyId ?? 0) >>> 0, 52);
    h.nonce?.copy(b, 56);
    h.link?.copy(b, 68);
  }
  setDataChecksum(b, h.checksum);
  return b;
}

/**
 * Writes the data checksum into an encoded header and recomputes its header checksum (the data
 * checksum of an encrypted frame is known only after encryption, which authenticates the rest).
 */
export function setDataChecksum(b: Buffer, checksum: number): void {
  b.writeUInt32LE(checksum >>> 0, 48);
  b.writeUInt32LE(crc32(b.subarray(0, b.length - 4)), b.length - 4);
}

/**
 * The bytes of an encoded version 2 header that AES-GCM authenticates as associated data: all of
 * it but the data checksum (48–51) and the header checksum (100–103), which depend on the
 * ciphertext.
 */
export function associatedData(b: Buffer): Buffer {
  return Buffer.concat([b.subarray(0, 48), b.subarray(52, MAX_FRAME_HEADER_BYTES - 4)]);
}

/** Why a header did not parse, or the header. */
export type HeaderParse = { ok: true; header: DecodedHeader } | { ok: false; reason: string };

/** Bytes of the header `b` starts with (judged from its prefix), or undefined when none does. */
export function headerBytesOf(b: Buffer): number | undefined {
  if (b.length >= 12 && b.subarray(0, 12).equals(FRAME_HEADER_PREFIX_2)) {
    return MAX_FRAME_HEADER_BYTES;
  }
  return isPrefixOf(b, FRAME_HEADER_PREFIX) ? FRAME_HEADER_BYTES : undefined;
}

function isPrefixOf(b: Buffer, prefix: Buffer): boolean {
  return b.length >= 12 && b.subarray(0, 12).equals(prefix);
}

/** Whether `b` (a short read at the end of a file) is the start of a frame header of any version. */
export function isPrefixOfHeader(b: Buffer): boolean {
  const n = Math.min(b.length, 12);
  return [FRAME_HEADER_PREFIX, FRAME_HEADER_PREFIX_2].some((p) =>
    b.subarray(0, n).equals(p.subarray(0, n)),
  );
}

/** The first position ≥ `from` of `buf` where a header prefix of any version starts, else -1. */
export function indexOfHeaderPrefix(buf: Buffer, from: number): number {
  for (let i = buf.indexOf(SKIPPABLE_MAGIC_BYTES, from); i !== -1; ) {
    const rest = buf.subarray(i, i + 12);
    if (isPrefixOf(rest, FRAME_HEADER_PREFIX) || isPrefixOf(rest, FRAME_HEADER_PREFIX_2)) return i;
    i = buf.indexOf(SKIPPABLE_MAGIC_BYTES, i + 1);
  }
  return -1;
}

/** Decodes the header `b` starts with; `b` may hold more bytes (read {@link MAX_FRAME_HEADER_BYTES}). */
export function decodeFrameHeader(b: Buffer): HeaderParse {
  const size = headerBytesOf(b);
  if (size === undefined) {
    if (b.length < FRAME_HEADER_BYTES) {
      return { ok: false, reason: `truncated header (${b.length} of ${FRAME_HEADER_BYTES} bytes)` };
    }
    return { ok: false, reason: 'bad magic' };
  }
  if (b.length < size)
    return { ok: false, reason: `truncated header (${b.length} of ${size} bytes)` };
  const version = b.readUInt8(12);
  const expected = size === FRAME_HEADER_BYTES ? FRAME_HEADER_VERSION : FRAME_HEADER_VERSION_2;
  if (version !== expected) return { ok: false, reason: `unknown version ${version}` };
  const stored = b.readUInt32LE(size - 4);
  const actual = crc32(b.subarray(0, size - 4));
  if (stored !== actual) {
    return {
      ok: false,
      reason: `header checksum mismatch (stored ${hex(stored)}, computed ${hex(actual)})`,
    };
  }
  const v2 = size === MAX_FRAME_HEADER_BYTES;
  const flags = v2 ? b.readUInt8(14) : 0;
  const hmacUnchained = (flags & FLAG_HMAC) !== 0 && (flags & FLAG_CHAINED) === 0;
  if (
    v2 &&
    (flags === 0 || (flags & ~KNOWN_FLAGS) !== 0 || hmacUnchained || b.readUInt8(15) !== 0)
  ) {
    return { ok: false, reason: `unknown flags ${flags}` };
  }
  const dataLength = b.readUInt32LE(16);
  if ((flags & FLAG_ENCRYPTED) !== 0 && dataLength < GCM_TAG_BYTES) {
    return { ok: false, reason: `encrypted frame of ${dataLength} bytes holds no GCM tag` };
  }
  return {
    ok: true,
    header: {
      maxSeverity: b.readUInt8(13),
      dataLength,
      rawLength: b.readUInt32LE(20),
      records: b.readUInt32LE(24),
      lines: b.readUInt32LE(28),
      minTimeUnixNano: b.readBigUInt64LE(32),
      maxTimeUnixNano: b.readBigUInt64LE(40),
      checksum: b.readUInt32LE(48),
      headerBytes: size,
      flags,
      keyId: v2 ? b.readUInt32LE(52) : 0,
      nonce: v2 ? Buffer.from(b.subarray(56, 68)) : Buffer.alloc(0),
      link: v2 ? Buffer.from(b.subarray(68, 100)) : Buffer.alloc(0),
    },
  };
}

export function hex(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}
