import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { cleanRecordUnits, SEVERITY_CLASS_COUNT, UNITS_PER_VALUE } from '@spillway/record-format';

/**
 * The processor's bounded queue, one FIFO ring per severity class (0 trace … 5 fatal) sharing a
 * count bound and an estimated-bytes bound. When a record does not fit, the oldest record of the
 * lowest non-empty class strictly below it is evicted (repeatedly), else the incoming record is
 * refused: a flood of INFO never costs an ERROR (the processor spills to `exportSync` before it
 * gets here, when the exporter has it: see {@link fits}). Batches are taken in arrival order across classes
 * (a sequence number per slot). Rings grow by doubling up to the bound; a push otherwise allocates
 * nothing.
 *
 * ```
 *  class 5 fatal  [ · · · ]          take(n): merge the ring heads by sequence number
 *  class 4 error  [ e e · ]                    → oldest first, across classes
 *  class 2 info   [ i i i i i i ]  ← evicted first when full
 * ```
 */
export class SeverityQueue {
  /** Records queued. */
  size = 0;
  /** Estimated bytes queued. */
  bytes = 0;
  private readonly rings: Ring[] = [];
  private nextSeq = 0;

  /**
   * @param onEvict called for each queued record evicted to make room, with its class.
   */
  constructor(
    readonly maxSize: number,
    readonly maxBytes: number,
    private readonly onEvict: (cls: number) => void,
  ) {
    for (let c = 0; c < SEVERITY_CLASS_COUNT; c++)
      this.rings.push(new Ring(Math.min(maxSize, 256)));
  }

  /** Records queued in class `cls`. */
  countOf(cls: number): number {
    return this.rings[cls]!.count;
  }

  /** Whether a record of `bytes` fits without evicting anything. */
  fits(bytes: number): boolean {
    return this.size < this.maxSize && this.bytes + bytes <= this.maxBytes;
  }

  /** Queues `record` of class `cls`; false when it was refused (nothing lower to evict). */
  push(record: ReadableLogRecord, cls: number, bytes: number): boolean {
    while (this.size >= this.maxSize || this.bytes + bytes > this.maxBytes) {
      let victim = 0;
      while (victim < cls && this.rings[victim]!.count === 0) victim++;
      if (victim >= cls) return false;
      this.shift(victim);
      this.onEvict(victim);
    }
    this.rings[cls]!.push(record, this.nextSeq++, bytes);
    this.size++;
    this.bytes += bytes;
    return true;
  }

  /** The sequence number of the oldest queued record, or Infinity when empty. */
  oldestSeq(): number {
    let min = Number.POSITIVE_INFINITY;
    for (const ring of this.rings) {
      if (ring.count > 0 && ring.headSeq() < min) min = ring.headSeq();
    }
    return min;
  }

  /** The sequence number of the last record pushed (-1 before the first). */
  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  /**
   * Removes and returns up to `n` records, oldest first; adds the number taken of each class to
   * `counts` when given.
   */
  take(n: number, counts?: Int32Array): ReadableLogRecord[] {
    const out: ReadableLogRecord[] = [];
    while (out.length < n && this.size > 0) {
      // The class with the oldest head, and the head sequence number of the runner-up: records of
      // the best class are taken in a run until they pass it (one run when only one class queues).
      let best = -1;
      let bestSeq = Number.POSITIVE_INFINITY;
      let nextSeq = Number.POSITIVE_INFINITY;
      for (let c = 0; c < SEVERITY_CLASS_COUNT; c++) {
        const ring = this.rings[c]!;
        if (ring.count === 0) continue;
        const s = ring.headSeq();
        if (s < bestSeq) {
          nextSeq = bestSeq;
          bestSeq = s;
          best = c;
        } else if (s < nextSeq) {
          nextSeq = s;
        }
      }
      const ring = this.rings[best]!;
      const taken = ring.takeRun(out, n - out.length, nextSeq);
      this.size -= taken;
      this.bytes -= ring.lastRunBytes;
      if (counts !== undefined) counts[best]! += taken;
    }
    return out;
  }

  private shift(cls: number): ReadableLogRecord {
    const ring = this.rings[cls]!;
    this.bytes -= ring.headBytes();
    this.size--;
    return ring.shift();
  }
}

// A FIFO of records with their sequence numbers and sizes. It starts small and doubles when full
// (the queue bounds the total), so a large maxQueueSize costs memory only when used.
class Ring {
  count = 0;
  private head = 0;
  private records: (ReadableLogRecord | undefined)[];
  private seqs: Float64Array;
  private sizes: Float64Array;

  constructor(private capacity: number) {
    this.records = new Array<ReadableLogRecord | undefined>(capacity).fill(undefined);
    this.seqs = new Float64Array(capacity);
    this.sizes = new Float64Array(capacity);
  }

  push(record: ReadableLogRecord, seq: number, bytes: number): void {
    if (this.count === this.capacity) this.grow();
    const slot = (this.head + this.count) % this.capacity;
    this.records[slot] = record;
    this.seqs[slot] = seq;
    this.sizes[slot] = bytes;
    this.count++;
  }

  headSeq(): number {
    return this.seqs[this.head]!;
  }

  headBytes(): number {
    return this.sizes[this.head]!;
  }

  /** Bytes of the records moved by the last {@link takeRun}. */
  lastRunBytes = 0;

  /**
   * Moves up to `max` records from the head into `out`, stopping at the first whose sequence
   * number is `beforeSeq` or more; returns how many (their bytes in {@link lastRunBytes}).
   */
  takeRun(out: ReadableLogRecord[], max: number, beforeSeq: number): number {
    let taken = 0;
    let bytes = 0;
    let head = this.head;
    const cap = this.capacity;
    while (taken < max && taken < this.count && this.seqs[head]! < beforeSeq) {
      out.push(this.records[head]!);
      this.records[head] = undefined;
      bytes += this.sizes[head]!;
      head = head + 1 === cap ? 0 : head + 1;
      taken++;
    }
    this.head = head;
    this.count -= taken;
    this.lastRunBytes = bytes;
    return taken;
  }

  shift(): ReadableLogRecord {
    const record = this.records[this.head]!;
    this.records[this.head] = undefined;
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    return record;
  }

  private grow(): void {
    const cap = this.capacity * 2;
    const records = new Array<ReadableLogRecord | undefined>(cap).fill(undefined);
    const seqs = new Float64Array(cap);
    const sizes = new Float64Array(cap);
    for (let i = 0; i < this.count; i++) {
      const from = (this.head + i) % this.capacity;
      records[i] = this.records[from];
      seqs[i] = this.seqs[from]!;
      sizes[i] = this.sizes[from]!;
    }
    this.records = records;
    this.seqs = seqs;
    this.sizes = sizes;
    this.capacity = cap;
    this.head = 0;
  }
}

/** What a queued record counts for beyond its body and attributes: the object, times, span context. */
const RECORD_OVERHEAD_BYTES = 80;

/**
 * A cheap estimate of a record's size, for the queue's byte bound: a fixed overhead plus the units
 * of the normalisation budget its body and attributes use (one per UTF-16 unit of a string, 16 per
 * key and per value; a body that is not a string, 64). For a record `cleanLogRecord` has
 * just checked, its count is taken from that check (the same figure, without a second walk).
 */
export function estimateRecordBytes(record: ReadableLogRecord): number {
  const checked = cleanRecordUnits(record);
  if (checked >= 0) return RECORD_OVERHEAD_BYTES + checked;
  let bytes = RECORD_OVERHEAD_BYTES;
  const body = record.body;
  if (typeof body === 'string') bytes += body.length + UNITS_PER_VALUE;
  else if (body !== undefined) bytes += 64;
  const attrs = record.attributes;
  for (const k in attrs) {
    const v = attrs[k];
    bytes += k.length + UNITS_PER_VALUE + (typeof v === 'string' ? v.length : 0) + UNITS_PER_VALUE;
  }
  return bytes;
}
