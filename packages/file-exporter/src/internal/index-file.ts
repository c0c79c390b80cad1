import { crc32 } from '@spillway/record-format';

/*
 * The `<file>.zst.idx` sidecar: a 16-byte header then one 52-byte entry per frame, appended as
 * frames are written. Little-endian. Do not reorder fields. The index is only an accelerator:
 * readers trust the longest valid prefix of entries that tiles the file from offset 0 and scan
 * frame headers for the rest.
 *
 *   header                         entry
 *   off size field                 off size field
 *     0    4 "SWIX"                  0    8 frame offset (of its header) in the .zst
 *     4    1 version = 1             8    4 frame length (header + data)
 *     5    1 reserved, 0            12    4 raw length (decompressed bytes)
 *     6    2 entry size = 52        16    4 record count
 *     8    8 reserved, 0            20    4 line count
 *                                   24    8 min time, unix nanos
 *                                   32    8 max time, unix nanos
 *                                   40    4 data checksum (CRC-32 of the zstd data frame)
 *                                   44    1 max severity number
 *                                   45    3 reserved, 0
 *                                   48    4 entry checksum: CRC-32 of entry bytes 0–47
 */

export const INDEX_HEADER_BYTES = 16;
export const INDEX_ENTRY_BYTES = 52;
export const INDEX_VERSION = 1;
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
}

export function encodeIndexHeader(): Buffer {
  const b = Buffer.alloc(INDEX_HEADER_BYTES);
  INDEX_MAGIC.copy(b, 0);
  b.writeUInt8(INDEX_VERSION, 4);
  b.writeUInt16LE(INDEX_ENTRY_BYTES, 6);
  return b;
}

export function encodeIndexEntry(e: IndexEntry): Buffer {
  const b = Buffer.alloc(INDEX_ENTRY_BYTES);
  b.writeBigUInt64LE(BigInt(e.offset), 0);
  b.writeUInt32LE(e.length, 8);
  b.writeUInt32LE(e.rawLength, 12);
  b.writeUInt32LE(e.records, 16);
  b.writeUInt32LE(e.lines, 20);
  b.writeBigUInt64LE(e.minTimeUnixNano, 24);
  b.writeBigUInt64LE(e.maxTimeUnixNano, 32);
  b.writeUInt32LE(e.checksum >>> 0, 40);
  b.writeUInt8(e.maxSeverity, 44);
  b.writeUInt32LE(crc32(b.subarray(0, 48)), 48);
  return b;
}

/** The valid entries of an index file's bytes, and why parsing stopped early if it did. */
export function decodeIndex(b: Buffer): { entries: IndexEntry[]; problem?: string } {
  if (b.length < INDEX_HEADER_BYTES) return { entries: [], problem: 'truncated index header' };
  if (!b.subarray(0, 4).equals(INDEX_MAGIC)) return { entries: [], problem: 'bad index magic' };
  const version = b.readUInt8(4);
  if (version !== INDEX_VERSION)
    return { entries: [], problem: `unknown index version ${version}` };
  if (b.readUInt16LE(6) !== INDEX_ENTRY_BYTES) return { entries: [], problem: 'bad entry size' };
  const entries: IndexEntry[] = [];
  let p = INDEX_HEADER_BYTES;
  for (; p + INDEX_ENTRY_BYTES <= b.length; p += INDEX_ENTRY_BYTES) {
    const e = b.subarray(p, p + INDEX_ENTRY_BYTES);
    if (e.readUInt32LE(48) !== crc32(e.subarray(0, 48))) {
      return { entries, problem: `entry ${entries.length} checksum mismatch at index offset ${p}` };
    }
    entries.push({
      offset: Number(e.readBigUInt64LE(0)),
      length: e.readUInt32LE(8),
      rawLength: e.readUInt32LE(12),
      records: e.readUInt32LE(16),
      lines: e.readUInt32LE(20),
      minTimeUnixNano: e.readBigUInt64LE(24),
      maxTimeUnixNano: e.readBigUInt64LE(32),
      checksum: e.readUInt32LE(40),
      maxSeverity: e.readUInt8(44),
    });
  }
  if (p !== b.length) return { entries, problem: `torn index entry at index offset ${p}` };
  return { entries };
}
