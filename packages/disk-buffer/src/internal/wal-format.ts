import { crc32 } from '@spillway/record-format';

/**
 * On-disk constants and structs of the WAL (FORMAT.md). Every struct is little-endian.
 * Do not reorder fields: readers of older directories depend on these offsets.
 */

export const SEGMENT_MAGIC = 0x4c575053; // "SPWL" read as a little-endian u32
export const SEGMENT_VERSION = 1;
export const SEGMENT_HEADER_BYTES = 32;

export const FRAME_MAGIC = 0x52465053; // "SPFR"
export const FRAME_HEADER_BYTES = 24;
/** Frames above this are implausible on read and split on write (the codec splits the batch). */
export const MAX_FRAME_PAYLOAD = 64 * 1024 * 1024;
/**
 * Fewest payload bytes one record takes (its two timestamps, 8 bytes each): bounds the records
 * a frame header may claim and the records that damaged bytes may be counted as.
 */
export const MIN_RECORD_BYTES = 16;

const SEGMENT_RE = /^(\d{12})\.wal$/;

export function segmentFileName(seq: number): string {
  return `${String(seq).padStart(12, '0')}.wal`;
}

export function parseSegmentFileName(name: string): number | undefined {
  const m = SEGMENT_RE.exec(name);
  return m ? Number(m[1]) : undefined;
}

function writeU64(buf: Buffer, v: number, at: number): void {
  buf.writeUInt32LE(v % 0x100000000, at);
  buf.writeUInt32LE(Math.floor(v / 0x100000000), at + 4);
}

export function readU64(buf: Buffer, at: number): number {
  return buf.readUInt32LE(at) + buf.readUInt32LE(at + 4) * 0x100000000;
}

/**
 * Segment header:
 *   0  u32 magic "SPWL"   4  u8 version   5  u8[3] zero   8  u64 segment seq
 *   16 u64 created (ms since epoch)   24 u32 CRC-32 of bytes [0, 24)   28 u32 zero
 */
export function encodeSegmentHeader(seq: number, createdMs: number): Buffer {
  const b = Buffer.alloc(SEGMENT_HEADER_BYTES);
  b.writeUInt32LE(SEGMENT_MAGIC, 0);
  b[4] = SEGMENT_VERSION;
  writeU64(b, seq, 8);
  writeU64(b, createdMs, 16);
  b.writeUInt32LE(crc32(b, 0, 24), 24);
  return b;
}

export type SegmentHeader =
  | { state: 'ok'; seq: number }
  | { state: 'damaged' }
  /** Intact, but written by a format this reader does not know: the file must be left alone. */
  | { state: 'unknown-version'; version: number };

/**
 * What a segment's first bytes say. The version is trusted only when the checksum verifies: a
 * flipped version bit is damage (frames verify themselves), not a newer format.
 */
export function parseSegmentHeader(b: Buffer): SegmentHeader {
  if (b.length < SEGMENT_HEADER_BYTES || b.readUInt32LE(0) !== SEGMENT_MAGIC) {
    return { state: 'damaged' };
  }
  if (b.readUInt32LE(24) !== crc32(b, 0, 24)) return { state: 'damaged' };
  if (b[4] !== SEGMENT_VERSION) return { state: 'unknown-version', version: b[4]! };
  return { state: 'ok', seq: readU64(b, 8) };
}

/**
 * Frame header, then `length` payload bytes:
 *   0  u32 magic "SPFR"
 *   4  u32 checksum = CRC-32 of frame bytes [8, 24 + length): the rest of the header and the payload
 *   8  u32 length (payload bytes, ≥ 1)
 *   12 u32 count (records in the payload, ≥ 1)
 *   16 u64 first record index (records are numbered from 0 within each segment)
 */
export function sealFrame(frame: Buffer, count: number, firstIndex: number): void {
  frame.writeUInt32LE(FRAME_MAGIC, 0);
  frame.writeUInt32LE(frame.length - FRAME_HEADER_BYTES, 8);
  frame.writeUInt32LE(count, 12);
  writeU64(frame, firstIndex, 16);
  frame.writeUInt32LE(crc32(frame, 8, frame.length), 4);
}

export interface FrameHeader {
  length: number;
  count: number;
  firstIndex: number;
  checksum: number;
}

/** The header at `at` when its magic and fields are plausible, else undefined. */
export function parseFrameHeader(b: Buffer, at: number): FrameHeader | undefined {
  if (b.readUInt32LE(at) !== FRAME_MAGIC) return undefined;
  const length = b.readUInt32LE(at + 8);
  const count = b.readUInt32LE(at + 12);
  // Every encoded record takes MIN_RECORD_BYTES, which bounds what a damaged count can claim.
  if (length === 0 || length > MAX_FRAME_PAYLOAD || count === 0) return undefined;
  if (count > Math.floor(length / MIN_RECORD_BYTES)) return undefined;
  return { length, count, firstIndex: readU64(b, at + 16), checksum: b.readUInt32LE(at + 4) };
}
