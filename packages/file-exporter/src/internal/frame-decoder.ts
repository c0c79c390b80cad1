import { crc32 } from '@spillway/record-format';
import type { DecodedFrame, FrameInfo, FrameProblem, ReadFramesOptions } from '../types';
import { zstdDecompress } from '../zstd-codec';
import { FrameCipher, zstdDataOf } from './frame-cipher';
import { decodeFrameHeader, hex, MAX_FRAME_HEADER_BYTES } from './frame-header';
import { readAt } from './frame-table';
import type { openRegularFile } from './regular-file';

// One frame read by position, checked, opened and decompressed: what the forward, backward and
// follow readers share.

/**
 * A decoded frame, or where decoding stopped: `header` (no frame header there, or one that
 * disagrees with the table: the table may describe other bytes), `checksum` (the data fails the
 * CRC-32 its header agrees on: bytes may have been lost or gained), or `content` (the frame is
 * where the table says but cannot be opened, decompressed, or has another length).
 */
export type Decoded =
  | { ok: true; frame: DecodedFrame }
  | { ok: false; failed: 'header' | 'checksum' | 'content'; message: string };

/** How frames are checked and opened during one read. */
export interface FrameChecks {
  verify: boolean;
  cipher: FrameCipher | undefined;
}

export function checksOf(options: ReadFramesOptions): FrameChecks {
  const cipher = options.encryption ? new FrameCipher(options.encryption, false) : undefined;
  return { verify: options.verifyChecksums !== false, cipher };
}

/** Reads, checks, decrypts (when encrypted) and decompresses the frame `f` describes. */
export async function decodeFrameAt(
  fh: Awaited<ReturnType<typeof openRegularFile>>,
  path: string,
  f: FrameInfo,
  checks: FrameChecks,
): Promise<Decoded> {
  const at = `frame ${f.frameIndex} at offset ${f.offset}`;
  const bytes = await readAt(fh, f.offset, f.length);
  const header = decodeFrameHeader(bytes.subarray(0, MAX_FRAME_HEADER_BYTES));
  const agrees =
    header.ok &&
    header.header.headerBytes + header.header.dataLength === f.length &&
    header.header.checksum === f.checksum;
  if (!header.ok || !agrees) {
    const why = header.ok ? 'header disagrees with index' : header.reason;
    return { ok: false, failed: 'header', message: `${at}: ${why}` };
  }
  const data = bytes.subarray(header.header.headerBytes);
  if (checks.verify) {
    const actual = crc32(data);
    if (actual !== f.checksum) {
      const message = `${at}: data checksum mismatch (stored ${hex(f.checksum)}, computed ${hex(actual)})`;
      return { ok: false, failed: 'checksum', message };
    }
  }
  const plain = await zstdDataOf(bytes, header.header, checks.cipher);
  if (!plain.ok) return { ok: false, failed: 'content', message: `${at}: ${plain.reason}` };
  let raw: Buffer;
  try {
    raw = await zstdDecompress(plain.data);
  } catch (err) {
    return { ok: false, failed: 'content', message: `${at}: zstd: ${(err as Error).message}` };
  }
  if (raw.length !== f.rawLength) {
    const message = `${at}: decompressed to ${raw.length} bytes, header says ${f.rawLength}`;
    return { ok: false, failed: 'content', message };
  }
  const text = raw.toString('utf8');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const { frameIndex, offset, length, records, minTimeUnixNano, maxTimeUnixNano } = f;
  const { maxSeverity, rawLength } = f;
  const frame = { path, frameIndex, offset, length, records, minTimeUnixNano, maxTimeUnixNano };
  return { ok: true, frame: { ...frame, maxSeverity, rawLength, lines } };
}

export function corrupt(path: string, f: FrameInfo, message: string): FrameProblem {
  const { offset, length, records, maxSeverity } = f;
  return { kind: 'corrupt', path, offset, length, records, maxSeverity, message };
}

/** The `index` problem of a reader that stops trusting the index at entry `i` and rescans. */
export function rescanProblem(
  path: string,
  i: number,
  f: FrameInfo,
  failed: 'header' | 'checksum',
): FrameProblem {
  const why =
    failed === 'checksum'
      ? 'points at a frame whose data checksum fails'
      : 'disagrees with the frame header';
  const message = `index entry ${i} ${why} at offset ${f.offset}: file rescanned`;
  return { kind: 'index', path, offset: f.offset, length: 0, records: 0, message };
}
