import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { copyToSlab } from './slab';

/*
 * Delivery from memory while the collector keeps up:
 *
 *   export ─► encode ─► WalWriter.append (seq, offset fixed) ─► RecentFrames.add(records, payload)
 *   sender at (seq, offset) ─► RecentFrames.take: the records of the frame there, once its bytes
 *                              have landed, and their payload ─► downstream   (no read, no decode)
 *                           └► nothing there (bound reached, recovered file, after a restart)
 *                              ─► FrameReader + BatchDecoder, as before
 *
 * What is kept is the normalised records the frame was encoded from (the encoder's input, which
 * it writes losslessly), so a live delivery and a replay of the WAL after a crash hand the
 * downstream the same fields. Beside them, the frame's plaintext payload (the codec bytes the
 * encoder wrote, before any encryption): the sender attaches the payloads of a batch to it
 * (encoded-payloads.ts), so an exporter that hands records on in the same codec need not encode
 * them again. The WAL stays the record of truth: positions, checkpoints and acknowledgements are
 * those of the frame, and a crash loses only this copy.
 *
 * Frames are added in WAL order (append assigns positions in call order), so the queue is sorted
 * by (seq, offset) and the sender, which reads in the same order, only ever looks at its head.
 */

interface Frame {
  seq: number;
  offset: number;
  end: number;
  bytes: number;
  records: ReadableLogRecord[];
  payload: Buffer;
}

export interface TakenFrame {
  records: ReadableLogRecord[];
  /** Segment offset after the frame. */
  end: number;
  /** Encoded payload bytes (for the sender's batch size bound). */
  bytes: number;
  /** The frame's plaintext codec payload: decodes to exactly `records`. Read-only. */
  payload: Buffer;
}

export class RecentFrames {
  private frames: Frame[] = [];
  private head = 0;
  private held = 0;

  /** `maxBytes`: encoded bytes of frames held at most; a frame over it is left to the WAL. */
  constructor(private readonly maxBytes: number) {}

  /** Bytes (encoded) held now. */
  get bytes(): number {
    return this.held;
  }

  /**
   * Keeps `records` and `payload` (the codec bytes they were encoded to) as the frame at
   * `seq`/`offset`..`end`. Not kept (the sender reads the WAL) when the bound would be passed:
   * during an outage the oldest frames, the next to be sent, stay. `copyPayload`: the payload is a
   * view of a buffer that will be overwritten (the FATAL path encodes in place), copied if kept.
   */
  add(
    seq: number,
    offset: number,
    end: number,
    records: ReadableLogRecord[],
    payload: Buffer,
    copyPayload: boolean,
  ): void {
    const bytes = end - offset;
    if (this.held + bytes > this.maxBytes) return;
    // A copy of the array: the caller's may be reused (the records themselves are read-only).
    this.frames.push({
      seq,
      offset,
      end,
      bytes,
      records: records.slice(),
      payload: copyPayload ? copyToSlab(payload) : payload,
    });
    this.held += bytes;
  }

  /**
   * The frame starting at `seq`/`offset` if it is held and landed (`end ≤ written`), removed.
   * Frames before the position (their file spilled, evicted or given up) are dropped on the way.
   */
  take(seq: number, offset: number, written: number): TakenFrame | undefined {
    for (;;) {
      const f = this.frames[this.head];
      if (f === undefined) return undefined;
      if (f.seq > seq || (f.seq === seq && f.offset > offset)) return undefined;
      if (f.seq === seq && f.offset === offset) {
        if (f.end > written) return undefined;
        this.pop();
        return { records: f.records, end: f.end, bytes: f.bytes, payload: f.payload };
      }
      this.pop();
    }
  }

  /** Forgets the frame at `seq`/`offset` (its write failed: the WAL does not hold it). */
  forget(seq: number, offset: number): void {
    for (let i = this.head; i < this.frames.length; i++) {
      const f = this.frames[i]!;
      if (f.seq === seq && f.offset === offset) {
        this.held -= f.bytes;
        this.frames.splice(i, 1);
        return;
      }
    }
  }

  private pop(): void {
    const f = this.frames[this.head]!;
    this.frames[this.head] = undefined as unknown as Frame;
    this.head++;
    this.held -= f.bytes;
    // Compact now and then: the array is a queue, and shifting per take would be O(n).
    if (this.head > 1024 && this.head * 2 > this.frames.length) {
      this.frames = this.frames.slice(this.head);
      this.head = 0;
    }
  }
}
