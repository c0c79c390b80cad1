import type { FileHandle } from 'node:fs/promises';
import { SyncFrameCipher } from '@spillway/file-exporter';
import { crc32 } from '@spillway/record-format';
import {
  associatedData,
  ENCRYPTED_FRAME_HEADER_BYTES,
  ENCRYPTED_FRAME_MAGIC,
  FRAME_HEADER_BYTES,
  type FrameHeader,
  MIN_RECORD_BYTES,
  parseFrameHeader,
  SEGMENT_HEADER_BYTES,
} from './wal-format';

/**
 * A frame whose checksum verified; `payload` (decrypted, for an encrypted frame) is a view of
 * bytes the reader never writes again (each read goes to a buffer of its own), so it stays valid
 * for as long as it is held: the sender keeps such views in its batch instead of copying them.
 */
export interface GoodFrame {
  kind: 'frame';
  offset: number;
  end: number;
  header: FrameHeader;
  payload: Buffer;
}

/**
 * An encrypted frame whose checksum verified (intact as stored) but which cannot be decrypted:
 * no key given, no key of its id, or a tag that does not verify (a wrong key, or bytes altered
 * and the checksum recomputed). Its records stand where they are; what to do is the caller's.
 */
export interface UndecryptableFrame {
  kind: 'undecryptable';
  offset: number;
  end: number;
  header: FrameHeader;
  reason: string;
}

/** How a reader treats the frames of one segment (FORMAT.md, "Encrypted frames"). */
export interface SegmentCrypto {
  /** Keys to decrypt with; without them every encrypted frame is undecryptable. */
  cipher?: SyncFrameCipher | undefined;
  /**
   * The segment's version says: true (2) only encrypted frames are valid in it, false (1) only
   * plain ones (an injected plain frame is damage, not records); undefined (header damaged) both.
   */
  encrypted?: boolean | undefined;
}

/**
 * Bytes from `offset` to `end` that hold no frame to deliver: damage (bad magic, implausible
 * header, checksum mismatch), or a valid frame whose record indexes go backwards (a stale copy).
 * `end` is the next deliverable frame, or the read limit when none follows (`tail`). `records` is
 * the bounded count of records lost in it (FORMAT.md, *Counting damage*).
 */
export interface CorruptRange {
  kind: 'corrupt';
  offset: number;
  end: number;
  tail: boolean;
  records: number;
}

/**
 * A frame that starts before the limit but does not end before it, with no valid frame after it:
 * a torn tail (or, in a file still being written, a frame in flight).
 */
export interface IncompleteFrame {
  kind: 'incomplete';
  offset: number;
}

export type FrameResult = GoodFrame | UndecryptableFrame | CorruptRange | IncompleteFrame;

// "SPF": what the magics of plain ("SPFR") and encrypted ("SPFE") frames start with.
const MAGIC_BYTES = Buffer.from('SPF', 'latin1');

/**
 * Sequential frame reader over one segment file with a read-ahead buffer. Reads are async (1 MiB
 * at a time) so that scanning a large backlog yields to the event loop between chunks.
 *
 * It follows the record indexes: the next frame delivered must start at or after the index where
 * the last one ended, and the records lost in damaged bytes are the gap between the frames on
 * either side — never more than the damaged bytes could hold.
 */
export class FrameReader {
  private buf = Buffer.alloc(0);
  private bufStart = 0;
  private at: number;
  /** Record index the next frame should start at; undefined after a seek into the middle. */
  private expected: number | undefined;

  constructor(
    private readonly fh: FileHandle,
    pos: number,
    private readonly crypto: SegmentCrypto = {},
    private readonly chunkBytes = 1024 * 1024,
  ) {
    this.at = pos;
    this.expected = pos === SEGMENT_HEADER_BYTES ? 0 : undefined;
  }

  get pos(): number {
    return this.at;
  }

  /** Moves the reader; a move elsewhere than where it stands forgets the expected index. */
  set pos(to: number) {
    if (to === this.at) return;
    this.at = to;
    this.expected = to === SEGMENT_HEADER_BYTES ? 0 : undefined;
  }

  /** Makes bytes [from, to) available in `buf`; false when the file ends before `to`. */
  private async ensure(from: number, to: number, limit: number): Promise<boolean> {
    if (from >= this.bufStart && to <= this.bufStart + this.buf.length) return true;
    if (to > limit) return false;
    const size = Math.min(Math.max(to - from, this.chunkBytes), limit - from);
    // A new buffer for every read, never one reused: payloads handed out are views of it.
    const next = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < size) {
      const { bytesRead } = await this.fh.read(next, got, size - got, from + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    this.buf = next.subarray(0, got);
    this.bufStart = from;
    return got >= to - from;
  }

  /** The next frame or damaged range at `pos`, or null at the limit. */
  async next(limit: number): Promise<FrameResult | null> {
    const at = this.at;
    if (at >= limit) return null;
    const good = at + FRAME_HEADER_BYTES <= limit ? await this.tryFrame(at, limit) : 'incomplete';
    if (good !== undefined && good !== 'incomplete' && this.follows(good.header)) {
      this.at = good.end;
      this.expected = good.header.firstIndex + good.header.count;
      return good;
    }
    // A length that runs past the end is a torn write only if nothing valid follows: a flipped
    // length bit must not cut the good frames after it.
    const found = await this.findNext(at + 1, limit);
    if (found === undefined) {
      if (good === 'incomplete') return { kind: 'incomplete', offset: at };
      const records = Math.min(await this.chainedCounts(at, limit), maxRecords(limit - at));
      this.at = limit;
      return { kind: 'corrupt', offset: at, end: limit, tail: true, records };
    }
    const records =
      this.expected === undefined
        ? Math.min(await this.chainedCounts(at, found.offset), maxRecords(found.offset - at))
        : Math.max(
            0,
            Math.min(found.header.firstIndex - this.expected, maxRecords(found.offset - at)),
          );
    this.at = found.offset;
    return { kind: 'corrupt', offset: at, end: found.offset, tail: false, records };
  }

  /** False for a frame whose records were already passed (a stale or duplicated copy). */
  private follows(h: FrameHeader): boolean {
    return this.expected === undefined || h.firstIndex >= this.expected;
  }

  /**
   * A verified frame at `at` (decrypted, or undecryptable), 'incomplete' if it runs past `limit`,
   * undefined if invalid: damaged, or of the kind the segment's version does not allow.
   */
  private async tryFrame(
    at: number,
    limit: number,
  ): Promise<GoodFrame | UndecryptableFrame | 'incomplete' | undefined> {
    if (!(await this.ensure(at, at + FRAME_HEADER_BYTES, limit))) return 'incomplete';
    const encrypted = this.buf.readUInt32LE(at - this.bufStart) === ENCRYPTED_FRAME_MAGIC;
    if (this.crypto.encrypted !== undefined && this.crypto.encrypted !== encrypted)
      return undefined;
    if (encrypted && !(await this.ensure(at, at + ENCRYPTED_FRAME_HEADER_BYTES, limit))) {
      return 'incomplete';
    }
    const header = parseFrameHeader(this.buf, at - this.bufStart);
    if (header === undefined) return undefined;
    const end = at + header.headerBytes + header.length;
    if (!(await this.ensure(at, end, limit))) return 'incomplete';
    const rel = at - this.bufStart;
    if (crc32(this.buf, rel + 8, rel + header.headerBytes + header.length) !== header.checksum) {
      return undefined;
    }
    const stored = this.buf.subarray(
      rel + header.headerBytes,
      rel + header.headerBytes + header.length,
    );
    if (!encrypted) return { kind: 'frame', offset: at, end, header, payload: stored };
    const cipher = this.crypto.cipher;
    const r =
      cipher === undefined
        ? { ok: false as const, reason: SyncFrameCipher.noKeyReason(header.keyId!) }
        : cipher.decrypt(header.keyId!, header.nonce!, associatedData(this.buf, rel), stored);
    if (!r.ok) return { kind: 'undecryptable', offset: at, end, header, reason: r.reason };
    return { kind: 'frame', offset: at, end, header, payload: r.plain };
  }

  /** The first offset ≥ `from` holding a valid frame that follows the expected index. */
  private async findNext(
    from: number,
    limit: number,
  ): Promise<GoodFrame | UndecryptableFrame | undefined> {
    let search = from;
    while (search + FRAME_HEADER_BYTES <= limit) {
      if (!(await this.ensure(search, Math.min(search + this.chunkBytes, limit), limit))) break;
      const rel = this.buf.indexOf(MAGIC_BYTES, search - this.bufStart);
      if (rel < 0) {
        // Keep 2 bytes of overlap so a magic split across chunks is still found.
        search = Math.max(search + 1, this.bufStart + this.buf.length - 2);
        continue;
      }
      const candidate = this.bufStart + rel;
      const good = await this.tryFrame(candidate, limit);
      if (good !== undefined && good !== 'incomplete' && this.follows(good.header)) return good;
      search = candidate + 1;
    }
    return undefined;
  }

  /**
   * Records of the plausible frame headers in [from, to) that chain on from the expected index
   * (or from the first one, after a seek): the best count when no valid frame bounds the damage.
   */
  private async chainedCounts(from: number, to: number): Promise<number> {
    let n = 0;
    let next = this.expected;
    let search = from;
    while (search + FRAME_HEADER_BYTES <= to) {
      if (!(await this.ensure(search, Math.min(search + this.chunkBytes, to), to))) break;
      const rel = this.buf.indexOf(MAGIC_BYTES, search - this.bufStart);
      if (rel < 0) {
        search = Math.max(search + 1, this.bufStart + this.buf.length - 2);
        continue;
      }
      const candidate = this.bufStart + rel;
      if (!(await this.ensure(candidate, candidate + FRAME_HEADER_BYTES, to))) break;
      // An encrypted header is longer; when it runs past `to`, parseFrameHeader finds it short.
      await this.ensure(candidate, Math.min(candidate + ENCRYPTED_FRAME_HEADER_BYTES, to), to);
      const h = parseFrameHeader(this.buf, candidate - this.bufStart);
      if (h !== undefined && (next === undefined || h.firstIndex === next)) {
        n += h.count;
        next = h.firstIndex + h.count;
      }
      search = candidate + 1;
    }
    return n;
  }
}

/** The most records `bytes` of a segment can hold. */
function maxRecords(bytes: number): number {
  return Math.floor(Math.max(0, bytes) / MIN_RECORD_BYTES);
}
