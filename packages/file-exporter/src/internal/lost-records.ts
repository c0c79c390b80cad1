import { crc32 } from '@spillway/record-format';
import { decodeFrameHeader, FRAME_HEADER_BYTES, MAX_FRAME_HEADER_BYTES } from './frame-header';
import type { IndexEntry } from './index-file';

/*
 * How many records a skipped byte range held. A frame whose header is damaged no longer says
 * how many records it had, but the `.idx` sidecar usually still does: its checksummed entries are
 * kept as hints by offset, and the entries that chain from the start of the range (each starting
 * where the previous one ends) give the exact count when they end where the range ends. Without
 * such a chain, the count is a lower bound, flagged `recordsUnknown`: one record per frame the
 * bytes show evidence of — each zstd data-frame magic, each skippable-frame magic, and at least
 * one for a range as long as a frame header or a torn header at the end (our files hold nothing
 * but frames, so such bytes are what is left of one). A shorter range with no magic (bytes
 * inserted between frames) held no frame.
 *
 * An index is used for counting only once it is shown to belong to the file (an index copied from
 * another file would otherwise count records this file never held): one of its entries must match
 * a valid frame header at its offset, or the checksum of the data bytes where it places a frame.
 */

const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
const SKIPPABLE_MAGIC = Buffer.from([0x5a, 0x2a, 0x4d, 0x18]);

function occurrences(b: Buffer, needle: Buffer): number {
  let n = 0;
  for (let i = b.indexOf(needle); i !== -1; i = b.indexOf(needle, i + 1)) n++;
  return n;
}

/** Records lost with a skipped range, as a frame problem reports them. */
export interface LostRecords {
  records: number;
  maxSeverity?: number;
  recordsUnknown?: true;
}

/** Checksummed index entries by frame offset: what the index says even where it is not trusted. */
export class IndexHints {
  private readonly byOffset = new Map<number, IndexEntry>();
  private confirmed: Promise<boolean> | undefined;

  constructor(entries: ReadonlyArray<IndexEntry>) {
    for (const e of entries) {
      if (e.length > FRAME_HEADER_BYTES && !this.byOffset.has(e.offset))
        this.byOffset.set(e.offset, e);
    }
  }

  /** Entries listed (before {@link confirm}), or usable (after). */
  get entries(): number {
    return this.byOffset.size;
  }

  /**
   * Whether the index belongs to the file `read` reads (`size` bytes); drops every hint if not.
   * Reads at most a header and a frame per entry, once.
   */
  confirm(read: (pos: number, len: number) => Promise<Buffer>, size: number): Promise<boolean> {
    this.confirmed ??= (async () => {
      for (const e of this.byOffset.values()) {
        if (e.offset >= size) continue;
        const head = decodeFrameHeader(await read(e.offset, MAX_FRAME_HEADER_BYTES));
        const h = head.ok ? head.header : undefined;
        if (h && h.headerBytes + h.dataLength === e.length && h.checksum === e.checksum)
          return true;
        if (e.offset + e.length > size) continue;
        // The header is damaged: its version (so its length) is unknown, try both.
        for (const hb of [FRAME_HEADER_BYTES, MAX_FRAME_HEADER_BYTES]) {
          if (e.length <= hb) continue;
          if (crc32(await read(e.offset + hb, e.length - hb)) === e.checksum) return true;
        }
      }
      this.byOffset.clear();
      return false;
    })();
    return this.confirmed;
  }

  /** Index entries chained from `from` that end at or before `until`. */
  chain(
    from: number,
    until: number,
  ): { frames: number; records: number; maxSeverity: number; end: number } {
    const out = { frames: 0, records: 0, maxSeverity: 0, end: from };
    for (let e = this.byOffset.get(from); e && e.offset + e.length <= until; ) {
      out.frames++;
      out.records += e.records;
      out.maxSeverity = Math.max(out.maxSeverity, e.maxSeverity);
      out.end = e.offset + e.length;
      e = this.byOffset.get(out.end);
    }
    return out;
  }
}

/**
 * Records lost with the bytes `range` (read from `from`) that end at `until` (the file size for a
 * torn tail, whose frames may run past it: then every entry chained from `from` counts).
 */
export function lostInRange(
  hints: IndexHints,
  range: Buffer,
  from: number,
  until: number,
  torn: boolean,
  tornHeader: boolean,
): LostRecords {
  const c = hints.chain(from, torn ? Number.POSITIVE_INFINITY : until);
  if (c.frames > 0 && (torn || c.end === until)) {
    return { records: c.records, maxSeverity: c.maxSeverity };
  }
  const evidence = Math.max(
    occurrences(range, ZSTD_MAGIC),
    occurrences(range, SKIPPABLE_MAGIC),
    range.length >= FRAME_HEADER_BYTES || tornHeader ? 1 : 0,
  );
  if (c.frames === 0 && evidence === 0) return { records: 0 };
  const lost: LostRecords = {
    records: c.records + Math.max(0, evidence - c.frames),
    recordsUnknown: true,
  };
  if (c.frames > 0) lost.maxSeverity = c.maxSeverity;
  return lost;
}
