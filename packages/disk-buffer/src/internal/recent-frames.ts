import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { earlier, timeMs } from './record-age';
import type { SeverityCounts } from './severity-counts';
import { copyToSlab } from './slab';

/*
 * Delivery from memory while the collector keeps up:
 *
 *   export ─► encode ─► WalWriter.append (seq, offset fixed) ─► RecentFrames.add(payload, counts)
 *   sender at (seq, offset) ─► RecentFrames.take: the payload of the frame there, once its bytes
 *                              have landed, with its count, classes and oldest time
 *                              ─► a stored batch downstream   (no read; decoded only on demand)
 *                           └► nothing there (bound reached, recovered file, after a restart)
 *                              ─► FrameReader + payload scan, as before
 *
 * What is kept is the frame's plaintext payload (the codec bytes the encoder wrote, before any
 * encryption) and what the sender needs to know of it without a decode: the record count, the
 * severity classes and the oldest record time (for the age limit), the same figures the scan of a
 * frame read back gives. Not the records: kept here they would live until the collector
 * acknowledged them, long enough to be promoted out of V8's young generation, and every full
 * collection of the app's heap would then mark them (and up to 8 MiB of frames is tens of
 * thousands of records). The OTLP and worker exporters take the payloads as they are; a
 * downstream that needs records (the JSON fallback, an exporter without `exportStored`, a retry)
 * decodes them, losslessly, as it would a frame read back after a crash. The WAL stays the record
 * of truth: positions, checkpoints and acknowledgements are those of the frame, and a crash loses
 * only this copy.
 *
 * Frames are added in WAL order (append assigns positions in call order), so the queue is sorted
 * by (seq, offset) and the sender, which reads in the same order, only ever looks at its head.
 */

interface Frame {
  seq: number;
  offset: number;
  end: number;
  bytes: number;
  count: number;
  severities: Readonly<SeverityCounts>;
  oldestMs: number;
  payload: Buffer;
}

export interface TakenFrame {
  /** Records in the frame. */
  count: number;
  /** Its records by severity class (severity-counts.ts). */
  severities: Readonly<SeverityCounts>;
  /** The earliest record time, ms since the epoch (-Infinity when a time is not a number). */
  oldestMs: number;
  /** Segment offset after the frame. */
  end: number;
  /** Encoded payload bytes (for the sender's batch size bound). */
  bytes: number;
  /** The frame's plaintext codec payload: decodes to exactly its records. Read-only. */
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
   * Keeps `payload` (the codec bytes `records` were encoded to; `severities` their classes) as the
   * frame at `seq`/`offset`..`end`. The records are read for their count and oldest time, not
   * kept. Not kept (the sender reads the WAL) when the bound would be passed: during an outage
   * the oldest frames, the next to be sent, stay. `copyPayload`: the payload is a view of a buffer
   * that will be overwritten (the FATAL path encodes in place), copied if kept.
   */
  add(
    seq: number,
    offset: number,
    end: number,
    records: readonly ReadableLogRecord[],
    severities: Readonly<SeverityCounts>,
    payload: Buffer,
    copyPayload: boolean,
  ): void {
    const bytes = end - offset;
    if (this.held + bytes > this.maxBytes) return;
    let oldestMs = Number.POSITIVE_INFINITY;
    for (const r of records) oldestMs = earlier(oldestMs, timeMs(r.hrTime[0], r.hrTime[1]));
    this.frames.push({
      seq,
      offset,
      end,
      bytes,
      count: records.length,
      severities,
      oldestMs,
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
        return {
          count: f.count,
          severities: f.severities,
          oldestMs: f.oldestMs,
          end: f.end,
          bytes: f.bytes,
          payload: f.payload,
        };
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
