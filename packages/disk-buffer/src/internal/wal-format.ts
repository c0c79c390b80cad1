import { SyncFrameCipher } from '@spillway/file-exporter';
import { crc32 } from '@spillway/record-format';

/**
 * On-disk constants and structs of the WAL (FORMAT.md). Every struct is little-endian.
 * Do not reorder fields: readers of older directories depend on these offsets.
 */

export const SEGMENT_MAGIC = 0x4c575053; // "SPWL" read as a little-endian u32
export const SEGMENT_VERSION = 1;
/** A segment whose frames are all encrypted (written with the `encryption` option). */
export const SEGMENT_VERSION_ENCRYPTED = 2;
export const SEGMENT_HEADER_BYTES = 32;

export const FRAME_MAGIC = 0x52465053; // "SPFR"
export const FRAME_HEADER_BYTES = 24;
export const ENCRYPTED_FRAME_MAGIC = 0x45465053; // "SPFE"
/** The plain header's fields, then u32 key id and the 12-byte nonce. */
export const ENCRYPTED_FRAME_HEADER_BYTES = 40;
/** Bytes of the GCM tag that ends an encrypted frame's payload (16). */
export const TAG_BYTES = SyncFrameCipher.TAG_BYTES;
const NONCE_AT = 28;
const NONCE_BYTES = SyncFrameCipher.NONCE_BYTES;
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
export function encodeSegmentHeader(
  seq: number,
  createdMs: number,
  version = SEGMENT_VERSION,
): Buffer {
  const b = Buffer.alloc(SEGMENT_HEADER_BYTES);
  b.writeUInt32LE(SEGMENT_MAGIC, 0);
  b[4] = version;
  writeU64(b, seq, 8);
  writeU64(b, createdMs, 16);
  b.writeUInt32LE(crc32(b, 0, 24), 24);
  return b;
}

export type SegmentHeader =
  /** `encrypted`: version 2, whose frames must all be encrypted ones. */
  | { state: 'ok'; seq: number; encrypted: boolean }
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
  if (b[4] !== SEGMENT_VERSION && b[4] !== SEGMENT_VERSION_ENCRYPTED) {
    return { state: 'unknown-version', version: b[4]! };
  }
  return { state: 'ok', seq: readU64(b, 8), encrypted: b[4] === SEGMENT_VERSION_ENCRYPTED };
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

/**
 * An encrypted frame (segment version 2), from a plain one (`plain`: 24 header bytes then the
 * payload, as the encoder builds it): a new buffer of
 *   0  u32 magic "SPFE"   4 u32 checksum = CRC-32 of bytes [8, 40 + length)
 *   8  u32 length (stored payload bytes: ciphertext + 16-byte tag, ≥ 17)
 *   12 u32 count   16 u64 first record index   24 u32 key id   28 u8[12] nonce
 *   40 ciphertext of the payload, then the GCM tag
 * AES-256-GCM's associated data is bytes [0, 4) and [8, 40): every header field but the checksum
 * (computed over the stored bytes after encryption, so resync and torn-tail detection read an
 * encrypted segment exactly as a plain one).
 */
export function sealEncryptedFrame(
  plain: Buffer,
  count: number,
  firstIndex: number,
  cipher: SyncFrameCipher,
): Buffer {
  const payload = plain.subarray(FRAME_HEADER_BYTES);
  const frame = Buffer.allocUnsafe(ENCRYPTED_FRAME_HEADER_BYTES + payload.length + TAG_BYTES);
  frame.writeUInt32LE(ENCRYPTED_FRAME_MAGIC, 0);
  frame.writeUInt32LE(payload.length + TAG_BYTES, 8);
  frame.writeUInt32LE(count, 12);
  writeU64(frame, firstIndex, 16);
  frame.writeUInt32LE(cipher.activeKeyId!, 24);
  cipher.nonce().copy(frame, NONCE_AT);
  cipher.encryptInto(
    frame.subarray(NONCE_AT, NONCE_AT + NONCE_BYTES),
    associatedData(frame, 0),
    payload,
    frame,
    ENCRYPTED_FRAME_HEADER_BYTES,
  );
  frame.writeUInt32LE(crc32(frame, 8, frame.length), 4);
  return frame;
}

/** The associated data of the encrypted frame at `at`: its header without the checksum. */
export function associatedData(b: Buffer, at: number): Buffer {
  return Buffer.concat([
    b.subarray(at, at + 4),
    b.subarray(at + 8, at + ENCRYPTED_FRAME_HEADER_BYTES),
  ]);
}

export interface FrameHeader {
  /** 24 (plain) or 40 (encrypted); the payload follows. */
  headerBytes: number;
  /** Encrypted frames: the key id and nonce of the header. */
  keyId?: number;
  nonce?: Buffer;
  length: number;
  count: number;
  firstIndex: number;
  checksum: number;
}

/**
 * The header at `at` when its magic and fields are plausible, else undefined. `b` must hold
 * {@link ENCRYPTED_FRAME_HEADER_BYTES} from `at` for an encrypted one (else: undefined).
 */
export function parseFrameHeader(b: Buffer, at: number): FrameHeader | undefined {
  const magic = b.readUInt32LE(at);
  const encrypted = magic === ENCRYPTED_FRAME_MAGIC;
  if (magic !== FRAME_MAGIC && !encrypted) return undefined;
  if (encrypted && b.length < at + ENCRYPTED_FRAME_HEADER_BYTES) return undefined;
  const length = b.readUInt32LE(at + 8);
  const count = b.readUInt32LE(at + 12);
  // The tag is not payload: an encrypted frame holds length − 16 bytes of encoded records.
  const plain = encrypted ? length - TAG_BYTES : length;
  // Every encoded record takes MIN_RECORD_BYTES, which bounds what a damaged count can claim.
  if (plain <= 0 || plain > MAX_FRAME_PAYLOAD || count === 0) return undefined;
  if (count > Math.floor(plain / MIN_RECORD_BYTES)) return undefined;
  const h: FrameHeader = {
    headerBytes: encrypted ? ENCRYPTED_FRAME_HEADER_BYTES : FRAME_HEADER_BYTES,
    length,
    count,
    firstIndex: readU64(b, at + 16),
    checksum: b.readUInt32LE(at + 4),
  };
  if (encrypted) {
    h.keyId = b.readUInt32LE(at + 24);
    h.nonce = b.subarray(at + NONCE_AT, at + NONCE_AT + NONCE_BYTES);
  }
  return h;
}
