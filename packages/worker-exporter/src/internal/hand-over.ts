import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import {
  decodeLogRecordBatches,
  encodedPayloadsOf,
  encodeLogRecordBatch,
} from '@spillway/disk-buffer';

/*
 * How a batch crosses the thread: record-codec payloads back to back in one transferred buffer.
 *
 *   records with payloads attached by the disk buffer's sender (encodedPayloadsOf)
 *       ─► the bytes the WAL writer encoded, copied side by side        (no second encode)
 *   any other records array
 *       ─► encodeLogRecordBatch, copied into a buffer of its own
 *   worker ─► decodeLogRecordBatches over the payloads ─► one records array
 */

/** One batch as it crosses: `bytes` holds payloads of these `lengths`, `count` records in all. */
export interface HandedOverBatch {
  bytes: Uint8Array;
  lengths: number[];
  count: number;
  /** The payloads were the disk buffer's (not encoded here). */
  stored: boolean;
}

/** The batch to post for `records`: their stored payloads when attached, else one encoded now. */
export function handOver(records: ReadableLogRecord[]): HandedOverBatch {
  const stored = encodedPayloadsOf(records);
  // The codec's buffer is a view into a shared slab, and the stored payloads are the WAL's: both
  // are copied into a buffer of its own to transfer.
  const payloads = stored ?? [encodeLogRecordBatch(records)];
  let total = 0;
  for (const p of payloads) total += p.length;
  const bytes = new Uint8Array(total);
  const lengths: number[] = [];
  let at = 0;
  for (const p of payloads) {
    bytes.set(p, at);
    at += p.length;
    lengths.push(p.length);
  }
  return { bytes, lengths, count: records.length, stored: stored !== undefined };
}

/**
 * The records of a batch handed over. Throws on damage, and when the payloads do not hold
 * `count` records (the sender's attachment promised exactly that many).
 */
export function takeOver(batch: Omit<HandedOverBatch, 'stored'>): ReadableLogRecord[] {
  const { bytes, lengths, count } = batch;
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
  const records = decodeLogRecordBatches(payloads);
  if (records.length !== count) {
    throw new RangeError(`payloads hold ${records.length} records, ${count} were handed over`);
  }
  return records;
}
