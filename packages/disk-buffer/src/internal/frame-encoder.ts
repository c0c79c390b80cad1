import { randomBytes } from 'node:crypto';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import {
  emptySubstitutionCounts,
  normalizeLogRecords,
  renormalizeLogRecord,
} from '@spillway/record-format';
import { ByteWriter } from './byte-writer';
import { type ExtraAttribute, encodeBatch } from './record-encoder';
import { countSeverities, type SeverityCounts } from './severity-counts';
import { copyToSlab } from './slab';
import { FRAME_HEADER_BYTES, MAX_FRAME_PAYLOAD } from './wal-format';

/** A frame ready to append, with its records (normalised) and whether it holds them as is. */
export interface EncodedFrame {
  frame: Buffer;
  /**
   * `frame` after its header space: the codec payload, a view (no copy). Stays the plaintext once
   * appended: the writer seals the header in place and encrypts into a buffer of its own.
   */
  payload: Buffer;
  records: ReadableLogRecord[];
  asIs: boolean;
  severities: SeverityCounts;
}

/** Turns an exported batch into WAL frames: normalised, encoded, split to fit a frame. */
export class FrameEncoder {
  /** Values replaced by normalisation, by kind (for `getStats().substitutedValues`). */
  readonly substituted = emptySubstitutionCounts();
  private readonly writer = new ByteWriter();
  private readonly uid: ExtraAttribute | undefined;

  /** `recordUid`: stamp each record with a `log.record.uid` unique to this run. */
  constructor(recordUid: boolean) {
    if (!recordUid) return;
    const prefix = randomBytes(8).toString('hex');
    let n = 0;
    this.uid = { key: 'log.record.uid', value: () => `${prefix}-${(n++).toString(36)}` };
  }

  /**
   * The frames of `records`, normalised first. With `copy` false a single frame is a view of the
   * encoder's buffer, valid until the next call (split batches are always copied: each frame
   * would overwrite the one before).
   */
  frames(records: ReadableLogRecord[], copy = true): EncodedFrame[] {
    return this.encode(normalizeLogRecords(records, this.substituted), false, copy);
  }

  /**
   * Frames (header space + payload) of at most MAX_FRAME_PAYLOAD, with their records' counts, of
   * normalised records: each fits a frame (normalisation bounds a record to a few MiB), so the
   * RangeError is for a record grown after its check whose normalised copy still does not fit.
   */
  private encode(
    records: ReadableLogRecord[],
    renormalized: boolean,
    copy: boolean,
  ): EncodedFrame[] {
    const w = this.writer;
    w.reset(FRAME_HEADER_BYTES);
    const asIs = encodeBatch(w, records, this.substituted, this.uid);
    if (w.pos - FRAME_HEADER_BYTES > MAX_FRAME_PAYLOAD && records.length > 1) {
      const half = records.length >> 1;
      return [
        ...this.encode(records.slice(0, half), false, true),
        ...this.encode(records.slice(half), false, true),
      ];
    }
    if (w.pos - FRAME_HEADER_BYTES > MAX_FRAME_PAYLOAD && !renormalized) {
      return this.encode([renormalizeLogRecord(records[0]!, this.substituted)], true, copy);
    }
    if (w.pos - FRAME_HEADER_BYTES > MAX_FRAME_PAYLOAD) {
      throw new RangeError(
        `record too large: ${w.pos - FRAME_HEADER_BYTES} bytes encoded, limit ${MAX_FRAME_PAYLOAD}`,
      );
    }
    const frame = copy ? copyToSlab(w.buf.subarray(0, w.pos)) : w.buf.subarray(0, w.pos);
    return [
      {
        frame,
        payload: frame.subarray(FRAME_HEADER_BYTES),
        records,
        // A frame whose records were rewritten, or stamped with a uid, is read back from the WAL.
        asIs: asIs && this.uid === undefined,
        severities: countSeverities(records),
      },
    ];
  }
}
