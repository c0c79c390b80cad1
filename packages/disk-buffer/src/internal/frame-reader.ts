import type { FileHandle } from 'node:fs/promises';
import { crc32 } from '@spillway/record-format';
import { FRAME_HEADER_BYTES, FRAME_MAGIC, type FrameHeader, parseFrameHeader } from './wal-format';

/** A frame whose checksum verified; `payload` is a view valid until the next `next()` call. */
export interface GoodFrame {
  kind: 'frame';
  offset: number;
  end: number;
  header: FrameHeader;
  payload: Buffer;
}

/**
 * Bytes from `offset` to `end` that hold no valid frame (bad magic, implausible header, checksum
 * mismatch). `end` is the next valid frame, or the read limit when none follows (`tail`).
 * `damagedHeaders` are the plausible headers found inside, for counting lost records.
 */
export interface CorruptRange {
  kind: 'corrupt';
  offset: number;
  end: number;
  tail: boolean;
  damagedHeaders: FrameHeader[];
}

/** A frame that starts before the limit but does not end before it: a torn tail, or in flight. */
export interface IncompleteFrame {
  kind: 'incomplete';
  offset: number;
}

export type FrameResult = GoodFrame | CorruptRange | IncompleteFrame;

const MAGIC_BYTES = Buffer.alloc(4);
MAGIC_BYTES.writeUInt32LE(FRAME_MAGIC, 0);

/**
 * Sequential frame reader over one segment file with a read-ahead buffer. Reads are async (1 MiB
 * at a time) so that scanning a large backlog yields to the event loop between chunks.
 */
export class FrameReader {
  private buf = Buffer.alloc(0);
  private bufStart = 0;

  constructor(
    private readonly fh: FileHandle,
    public pos: number,
    private readonly chunkBytes = 1024 * 1024,
  ) {}

  /** Makes bytes [from, to) available in `buf`; false when the file ends before `to`. */
  private async ensure(from: number, to: number, limit: number): Promise<boolean> {
    if (from >= this.bufStart && to <= this.bufStart + this.buf.length) return true;
    if (to > limit) return false;
    const size = Math.min(Math.max(to - from, this.chunkBytes), limit - from);
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

  /** The next frame or corrupt range at `pos`, or null when fewer than a header's bytes remain. */
  async next(limit: number): Promise<FrameResult | null> {
    const at = this.pos;
    if (at + FRAME_HEADER_BYTES > limit) {
      return at < limit ? { kind: 'incomplete', offset: at } : null;
    }
    const good = await this.tryFrame(at, limit);
    if (good === 'incomplete') return { kind: 'incomplete', offset: at };
    if (good !== undefined) {
      this.pos = good.end;
      return good;
    }
    return this.resync(at, limit);
  }

  /** A verified frame at `at`, 'incomplete' if it runs past `limit`, undefined if invalid. */
  private async tryFrame(at: number, limit: number): Promise<GoodFrame | 'incomplete' | undefined> {
    if (!(await this.ensure(at, at + FRAME_HEADER_BYTES, limit))) return 'incomplete';
    const header = parseFrameHeader(this.buf, at - this.bufStart);
    if (header === undefined) return undefined;
    const end = at + FRAME_HEADER_BYTES + header.length;
    if (!(await this.ensure(at, end, limit))) return 'incomplete';
    const rel = at - this.bufStart;
    if (crc32(this.buf, rel + 8, rel + FRAME_HEADER_BYTES + header.length) !== header.checksum) {
      return undefined;
    }
    const payload = this.buf.subarray(
      rel + FRAME_HEADER_BYTES,
      rel + FRAME_HEADER_BYTES + header.length,
    );
    return { kind: 'frame', offset: at, end, header, payload };
  }

  /** Scans forward from a bad frame at `from` for the next frame that verifies. */
  private async resync(from: number, limit: number): Promise<CorruptRange> {
    const damagedHeaders: FrameHeader[] = [];
    await this.ensure(from, from + FRAME_HEADER_BYTES, limit);
    const first = parseFrameHeader(this.buf, from - this.bufStart);
    if (first) damagedHeaders.push(first);
    let search = from + 1;
    while (search + FRAME_HEADER_BYTES <= limit) {
      if (!(await this.ensure(search, Math.min(search + this.chunkBytes, limit), limit))) break;
      const rel = this.buf.indexOf(MAGIC_BYTES, search - this.bufStart);
      if (rel < 0) {
        // Keep 3 bytes of overlap so a magic split across chunks is still found.
        search = Math.max(search + 1, this.bufStart + this.buf.length - 3);
        continue;
      }
      const candidate = this.bufStart + rel;
      const good = await this.tryFrame(candidate, limit);
      if (good !== undefined && good !== 'incomplete') {
        this.pos = candidate;
        return { kind: 'corrupt', offset: from, end: candidate, tail: false, damagedHeaders };
      }
      if (good === undefined) {
        await this.ensure(candidate, candidate + FRAME_HEADER_BYTES, limit);
        const h = parseFrameHeader(this.buf, candidate - this.bufStart);
        if (h) damagedHeaders.push(h);
      }
      search = candidate + 1;
    }
    this.pos = limit;
    return { kind: 'corrupt', offset: from, end: limit, tail: true, damagedHeaders };
  }
}
