/*
 * Fixed-size slots in one SharedArrayBuffer, shared with the worker once (in its workerData), that
 * batches cross in instead of a buffer allocated and transferred per batch:
 *
 *   main:   take() a free slot ─ copy the payloads in ─ postMessage {slot, size}
 *   worker: view(slot, size) ─ transcode or decode (both copy what they keep) ─ release(slot)
 *
 * Why: every ArrayBuffer allocated, or received by transfer, counts as external memory of its
 * isolate, and V8 starts full collections of the heap on it. The export worker's heap is small
 * (~15 MB), so a batch's buffers (~0.2 MB each) brought one full collection of the worker every
 * ~20 batches; measured in the pino-anchor bench, most of the worker isolate's 40 full GCs over
 * 300,000 records. A slot is the same memory every time: nothing new is allocated or accounted.
 *
 * Each slot's state is one Int32 in a second shared buffer: 0 free, 1 taken. Main takes a slot with
 * compareExchange and the worker frees it with a store once it has read the bytes (its reads
 * happen before the store, and main's writes after its exchange: Atomics order them). A batch
 * larger than a slot, or one when every slot is taken, goes the transferred way (hand-over.ts).
 */

/** What the worker needs to read slots (sent once, in workerData). */
export interface SharedSlotsSetup {
  data: SharedArrayBuffer;
  states: SharedArrayBuffer;
  slotBytes: number;
}

/** Slots of 512 KiB: a batch of 512 records of ~330 bytes is ~170 KB. */
export const SLOT_BYTES = 512 * 1024;
/** Four: one export at a time is the sender's normal, and a few more for overlapping flushes. */
export const SLOT_COUNT = 4;

export class SharedSlots {
  readonly setup: SharedSlotsSetup;
  private readonly bytes: Uint8Array;
  private readonly states: Int32Array;

  constructor(setup?: SharedSlotsSetup) {
    this.setup = setup ?? {
      data: new SharedArrayBuffer(SLOT_BYTES * SLOT_COUNT),
      states: new SharedArrayBuffer(4 * SLOT_COUNT),
      slotBytes: SLOT_BYTES,
    };
    this.bytes = new Uint8Array(this.setup.data);
    this.states = new Int32Array(this.setup.states);
  }

  /** A free slot for `size` bytes, now taken; -1 when `size` is over a slot or none is free. */
  take(size: number): number {
    if (size > this.setup.slotBytes) return -1;
    for (let i = 0; i < this.states.length; i++) {
      if (Atomics.compareExchange(this.states, i, 0, 1) === 0) return i;
    }
    return -1;
  }

  /**
   * The first `size` bytes of `slot`, as a view (no copy). Throws RangeError for a slot or size
   * out of range (a message that does not match the slots).
   */
  view(slot: number, size: number): Uint8Array {
    const n = this.setup.slotBytes;
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.states.length) {
      throw new RangeError(`no shared slot ${slot}`);
    }
    if (!Number.isInteger(size) || size < 0 || size > n) {
      throw new RangeError(`${size} bytes do not fit a shared slot of ${n}`);
    }
    return this.bytes.subarray(slot * n, slot * n + size);
  }

  /** Frees `slot` for the next batch: after its bytes were read (or were never sent). */
  release(slot: number): void {
    Atomics.store(this.states, slot, 0);
  }

  /** Slots taken now (for tests). */
  get taken(): number {
    let n = 0;
    for (let i = 0; i < this.states.length; i++) n += Atomics.load(this.states, i);
    return n;
  }
}
