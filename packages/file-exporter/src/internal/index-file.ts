import { crc32 } from '@spillway/record-format';
import type { TraceFilter } from '../types';
import { MAX_TRACE_FILTER_HASHES } from './trace-filter';

/*
 * The `<file>.zst.idx` sidecar: a 16-byte header then one entry per frame, appended as frames are
 * written. Little-endian. Do not reorder fields. The index is only an accelerator: readers trust
 * the longest valid prefix of entries that tiles the file from offset 0 and scan frame headers
 * for the rest. Writers write version 2; readers read versions 1 and 2 (FORMAT.md).
 *
 *   header                    entry, version 2 (56 + F + 4 bytes)
 *   off size field            off  size field
 *     0    4 "SWIX"             0    8 frame offset (of its header) in the .zst
 *     4    1 version = 2        8    4 frame length (header + data)
 *     5    1 reserved, 0       12    4 raw length (decompressed bytes)
 *     6    2 fixed entry       16    4 record count
 *            size = 56         20    4 line count
 *     8    8 reserved, 0       24    8 min time, unix nanos
 *                              32    8 max time, unix nanos
 *                              40    4 data checksum (CRC-32 of the zstd data frame)
 *                              44    1 max severity number
 *                              45    1 trace filter hashes k (0: no filter)
 *                              46    2 reserved, 0
 *                              48    4 trace filter bytes F (0 when k = 0)
 *                              52    4 fixed checksum: CRC-32 of entry bytes 0–51
 *                              56    F trace filter bits (bit b: byte b >> 3, bit b & 7)
 *                            56+F    4 entry checksum: CRC-32 of entry bytes 0–(55+F)
 *
 * Version 1 entries are 52 bytes: fields 0–44 as above, 3 reserved bytes, then the CRC-32 of
 * bytes 0–47; they carry no filter. Why two checksums in version 2: the fixed one makes F
 * trustworthy before F bytes are read, so an entry cut short by a crash (torn: only ever the last)
 * is told apart from a damaged one, and a flipped bit in F cannot make the rest look torn.
 */

export const INDEX_HEADER_BYTES = 16;
export const INDEX_VERSION = 2;
const V1_ENTRY_BYTES = 52;
const V2_FIXED_BYTES = 56;
const V2_CRC_BYTES = 4;
const INDEX_MAGIC = Buffer.from('SWIX', 'latin1');

export interface IndexEntry {
  offset: number;
  length: number;
  rawLength: number;
  records: number;
  lines: number;
  minTimeUnixNano: bigint;
  maxTimeUnixNano: bigint;
  checksum: number;
  maxSeverity: number;
  /** The frame's trace filter; undefined for version 1 entries and frames written without one. */
  traceFilter?: TraceFilter;
}

export function encodeIndexHeader(): Buffer {
  const b = Buffer.alloc(INDEX_HEADER_BYTES);
  INDEX_MAGIC.copy(b, 0);
  b.writeUInt8(INDEX_VERSION, 4);
  b.writeUInt16LE(V2_FIXED_BYTES, 6);
  return b;
}

/** A version 2 entry; `filter` is the frame's trace filter, if it has one. */
export function encodeIndexEntry(
  e: Omit<IndexEntry, 'traceFilter'>,
  filter: TraceFilter | undefined,
): Buffer {
  const f = filter?.bits.length ?? 0;
  const b = Buffer.alloc(V2_FIXED_BYTES + f + V2_CRC_BYTES);
  writeCommonFields(b, e);
  b.writeUInt8(filter?.hashes ?? 0, 45);
  b.writeUInt32LE(f, 48);
  b.writeUInt32LE(crc32(b.subarray(0, 52)), 52);
  filter?.bits.copy(b, V2_FIXED_BYTES);
  b.writeUInt32LE(crc32(b.subarray(0, V2_FIXED_BYTES + f)), V2_FIXED_BYTES + f);
  return b;
}

function writeCommonFields(b: Buffer, e: Omit<IndexEntry, 'traceFilter'>): void {
  b.writeBigUInt64LE(BigInt(e.offset), 0);
  b.writeUInt32LE(e.length, 8);
  b.writeUInt32LE(e.rawLength, 12);
  b.writeUInt32LE(e.records, 16);
  b.writeUInt32LE(e.lines, 20);
  b.writeBigUInt64LE(e.minTimeUnixNano, 24);
  b.writeBigUInt64LE(e.maxTimeUnixNano, 32);
  b.writeUInt32LE(e.checksum >>> 0, 40);
  b.writeUInt8(e.maxSeverity, 44);
}

function readCommonFields(e: Buffer): IndexEntry {
  return {
    offset: Number(e.readBigUInt64LE(0)),
    length: e.readUInt32LE(8),
    rawLength: e.readUInt32LE(12),
    records: e.readUInt32LE(16),
    lines: e.readUInt32LE(20),
    minTimeUnixNano: e.readBigUInt64LE(24),
    maxTimeUnixNano: e.readBigUInt64LE(32),
    checksum: e.readUInt32LE(40),
    maxSeverity: e.readUInt8(44),
  };
}

type Decoded = { entries: IndexEntry[]; problem?: string };

/** The valid entries of an index file's bytes (version 1 or 2), and why parsing stopped early. */
export function decodeIndex(b: Buffer): Decoded {
  if (b.length < INDEX_HEADER_BYTES) return { entries: [], problem: 'truncated index header' };
  if (!b.subarray(0, 4).equals(INDEX_MAGIC)) return { entries: [], problem: 'bad index magic' };
  const version = b.readUInt8(4);
  const entrySize = b.readUInt16LE(6);
  if (version === 1) {
    if (entrySize !== V1_ENTRY_BYTES) return { entries: [], problem: 'bad entry size' };
    return decodeV1(b);
  }
  if (version === 2) {
    if (entrySize !== V2_FIXED_BYTES) return { entries: [], problem: 'bad entry size' };
    return decodeV2(b);
  }
  return { entries: [], problem: `unknown index version ${version}` };
}

function decodeV1(b: Buffer): Decoded {
  const entries: IndexEntry[] = [];
  let p = INDEX_HEADER_BYTES;
  for (; p + V1_ENTRY_BYTES <= b.length; p += V1_ENTRY_BYTES) {
    const e = b.subarray(p, p + V1_ENTRY_BYTES);
    if (e.readUInt32LE(48) !== crc32(e.subarray(0, 48))) {
      return { entries, problem: `entry ${entries.length} checksum mismatch at index offset ${p}` };
    }
    entries.push(readCommonFields(e));
  }
  if (p !== b.length) return { entries, problem: `torn index entry at index offset ${p}` };
  return { entries };
}

function decodeV2(b: Buffer): Decoded {
  const entries: IndexEntry[] = [];
  let p = INDEX_HEADER_BYTES;
  const stop = (what: string) => ({
    entries,
    problem: `entry ${entries.length} ${what} at index offset ${p}`,
  });
  while (p < b.length) {
    if (p + V2_FIXED_BYTES > b.length)
      return { entries, problem: `torn index entry at index offset ${p}` };
    const fixed = b.subarray(p, p + V2_FIXED_BYTES);
    if (fixed.readUInt32LE(52) !== crc32(fixed.subarray(0, 52))) return stop('checksum mismatch');
    const hashes = fixed.readUInt8(45);
    const f = fixed.readUInt32LE(48);
    // The fixed checksum held, so only a foreign writer gets here: the entry is still unusable.
    if ((hashes === 0) !== (f === 0) || hashes > MAX_TRACE_FILTER_HASHES) {
      return stop(`has a malformed trace filter (${hashes} hashes, ${f} bytes)`);
    }
    const end = p + V2_FIXED_BYTES + f + V2_CRC_BYTES;
    if (end > b.length) return { entries, problem: `torn index entry at index offset ${p}` };
    const whole = b.subarray(p, end - V2_CRC_BYTES);
    if (b.readUInt32LE(end - V2_CRC_BYTES) !== crc32(whole)) {
      return stop('trace filter checksum mismatch');
    }
    const entry = readCommonFields(fixed);
    if (f > 0) entry.traceFilter = { hashes, bits: whole.subarray(V2_FIXED_BYTES) };
    entries.push(entry);
    p = end;
  }
  return { entries };
}
