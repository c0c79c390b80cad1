import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import {
  decodeLogRecordBatches,
  encodedPayloadsOf,
  encodeLogRecordBatch,
  type OtlpTranscodedRequest,
  transcodeToOtlpRequest,
} from '@spillway/disk-buffer';
import type { SharedSlots } from './shared-slots';

/*
 * How a batch crosses the thread: record-codec payloads back to back in a shared slot
 * (shared-slots.ts), or in one transferred buffer when it is larger than a slot or none is free.
 *
 *   records with payloads attached by the disk buffer's sender (encodedPayloadsOf)
 *       ─► the bytes the WAL writer encoded, copied side by side        (no second encode)
 *   a stored batch from the disk buffer's sender (exportStored)
 *       ─► its payloads, copied side by side                            (no records decoded)
 *   any other records array
 *       ─► encodeLogRecordBatch, copied into a buffer of its own
 *   worker ─► a downstream that takes request bytes (exportEncoded):
 *               transcodeToOtlpRequest over the payloads ─► one OTLP request, no records built
 *             otherwise, or where the transcoder declines:
 *               decodeLogRecordBatches over the payloads ─► one records array
 */

/** One batch as it crosses: `bytes` holds payloads of these `lengths`, `count` records in all. */
export interface HandedOverBatch {
  /** A view of shared slot `slot` when it is ≥ 0; else a buffer of its own, to transfer. */
  bytes: Uint8Array;
  slot: number;
  lengths: number[];
  count: number;
  /** The payloads were the disk buffer's (not encoded here). */
  stored: boolean;
}

/** The batch to post for `records`: their stored payloads when attached, else one encoded now. */
export function handOverRecords(
  records: ReadableLogRecord[],
  slots?: SharedSlots,
): HandedOverBatch {
  const stored = encodedPayloadsOf(records);
  if (stored === undefined) {
    return handOver([encodeLogRecordBatch(records)], records.length, false, slots);
  }
  return handOver(stored, records.length, true, slots);
}

/**
 * The batch to post for `payloads`, which hold `count` records (the worker checks that they do);
 * `stored` says they are the disk buffer's. The payloads are the WAL's or a shared slab's: they
 * are copied side by side into a free slot of `slots` (taken: the worker frees it), else into a
 * buffer of their own, to transfer.
 */
export function handOver(
  payloads: readonly Uint8Array[],
  count: number,
  stored: boolean,
  slots?: SharedSlots,
): HandedOverBatch {
  let total = 0;
  for (const p of payloads) total += p.length;
  const slot = slots === undefined ? -1 : slots.take(total);
  const bytes = slot >= 0 ? slots!.view(slot, total) : new Uint8Array(total);
  const lengths: number[] = [];
  let at = 0;
  for (const p of payloads) {
    bytes.set(p, at);
    at += p.length;
    lengths.push(p.length);
  }
  return { bytes, slot, lengths, count, stored };
}

/**
 * The records of a batch handed over. Throws on damage, and when the payloads do not hold
 * `count` records (the sender's attachment promised exactly that many).
 */
export function takeOver(batch: ReceivedBatch): ReadableLogRecord[] {
  const records = decodeLogRecordBatches(payloadsOf(batch));
  checkCount(records.length, batch.count);
  return records;
}

/**
 * The OTLP request of a batch handed over, written from its payloads (`transcodeToOtlpRequest`)
 * into a lent buffer (`release()` it once the export's callback has come), or undefined where the
 * transcoder declines (then {@link takeOver} it). Throws as {@link takeOver} does.
 */
export function transcodeOver(batch: ReceivedBatch): OtlpTranscodedRequest | undefined {
  const request = transcodeToOtlpRequest(payloadsOf(batch), { lend: true });
  if (request === undefined) return undefined;
  try {
    checkCount(request.recordCount, batch.count);
  } catch (e) {
    request.release?.();
    throw e;
  }
  return request;
}

/** A batch as the worker reads it: its bytes (a slot's or its own), lengths and count. */
export type ReceivedBatch = Pick<HandedOverBatch, 'bytes' | 'lengths' | 'count'>;

function payloadsOf(batch: ReceivedBatch): Buffer[] {
  const { bytes, lengths } = batch;
  const whole = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const payloads: Buffer[] = [];
  let at = 0;
  for (const n of lengths) {
    if (!Number.isInteger(n) || n < 0 || at + n > whole.length) {
      throw new RangeError(`payload lengths exceed the ${whole.length} bytes handed over`);
    }
    payloads.push(whole.subarray(at, at + n));
    at += n;
  }
  return payloads;
}

// The sender's attachment promised exactly that many records.
function checkCount(held: number, count: number): void {
  if (held !== count) {
    throw new RangeError(`payloads hold ${held} records, ${count} were handed over`);
  }
}
