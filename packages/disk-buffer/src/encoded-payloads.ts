import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';

/*
 * The sender hands its downstream exporter a records array; for a batch out of the WAL it also
 * has the codec payloads those records came from (the bytes the encoder wrote, held in memory
 * while the collector keeps up, or read back and decrypted). An exporter that ships records to
 * another thread in the same codec (WorkerThreadLogRecordExporter) takes the bytes rather than
 * encoding the records a second time.
 *
 * Keyed by the array's identity (a WeakMap: nothing outlives the batch), with a snapshot of its
 * elements: an array changed after the attachment (filtered, spliced, an element replaced) no
 * longer matches, so stale bytes are never sent in place of what the array now holds. The map
 * lives on the global object so that the ESM and CommonJS builds of this package, both loaded in
 * one process, see the same attachments.
 */

interface Attachment {
  payloads: readonly Buffer[];
  records: readonly ReadableLogRecord[];
}

const KEY = Symbol.for('@spillway/disk-buffer.encodedPayloads');
const holder = globalThis as { [KEY]?: WeakMap<object, Attachment> };
holder[KEY] ??= new WeakMap();
const attachments = holder[KEY];

/**
 * Records that `payloads` (batch payloads of the record codec, FORMAT.md "Batch payload") decode
 * to exactly `records`, in order, the payloads concatenated. The caller must not change the
 * buffers afterwards. Internal to the sender: the public half is {@link encodedPayloadsOf}.
 */
export function attachEncodedPayloads(
  records: readonly ReadableLogRecord[],
  payloads: readonly Buffer[],
): void {
  attachments.set(records, { payloads, records: records.slice() });
}

/**
 * The record-codec payloads the disk buffer's sender attached to `records`, the array it passes
 * to its downstream exporter's `export` — or undefined when there are none: records from a spill
 * file, an array the sender did not build, or one changed since (its length or any element).
 *
 * Use it in a downstream exporter that would otherwise encode the batch with
 * {@link encodeLogRecordBatch} (to move it to another thread or process): the payloads, decoded
 * one after the other with {@link decodeLogRecordBatches}, give exactly these records, in order,
 * with every field — the same records a replay of the WAL gives. The buffers are shared: read
 * them, copy them, never write to them. The check compares the array's elements by identity, not
 * the records' contents: records are read-only once exported (the LogRecordExporter contract).
 */
export function encodedPayloadsOf(
  records: readonly ReadableLogRecord[],
): readonly Buffer[] | undefined {
  const a = attachments.get(records);
  if (a === undefined || a.records.length !== records.length) return undefined;
  for (let i = 0; i < records.length; i++) if (a.records[i] !== records[i]) return undefined;
  return a.payloads;
}
