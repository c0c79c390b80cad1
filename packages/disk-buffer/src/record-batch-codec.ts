import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import {
  emptySubstitutionCounts,
  normalizeLogRecords,
  type SubstitutionCounts,
} from '@spillway/record-format';
import { ByteWriter } from './internal/byte-writer';
import { BatchDecoder } from './internal/record-decoder';
import { encodeBatch } from './internal/record-encoder';
import { copyToSlab } from './internal/slab';

const shared = new ByteWriter();

/**
 * The WAL's lossless binary encoding of a batch (FORMAT.md, "Batch payload"): every
 * ReadableLogRecord field, resources and scopes written once per batch. For tools that read WAL
 * frames and for benchmarks; the exporter uses it internally. Records are normalised first (as
 * the exporter does; substitutions counted in `substituted` when given), so what it writes
 * {@link decodeLogRecordBatch} reads back.
 */
export function encodeLogRecordBatch(
  records: ReadonlyArray<ReadableLogRecord>,
  substituted: SubstitutionCounts = emptySubstitutionCounts(),
): Buffer {
  shared.reset();
  encodeBatch(
    shared,
    normalizeLogRecords(records as ReadableLogRecord[], substituted),
    substituted,
  );
  return copyToSlab(shared.buf.subarray(0, shared.pos));
}

/** Decodes what {@link encodeLogRecordBatch} wrote; throws `CorruptRecordError` on damage. */
export function decodeLogRecordBatch(payload: Buffer): ReadableLogRecord[] {
  return new BatchDecoder().decode(payload, 0, payload.length);
}

/**
 * Decodes several payloads into one array, in order (what {@link encodedPayloadsOf} gives is a
 * list). One decoder for all of them: a resource or scope repeated across payloads is one object,
 * so the records group under it in the downstream exporter's request as a single payload's do.
 * Throws `CorruptRecordError` on damage in any of them.
 */
export function decodeLogRecordBatches(payloads: ReadonlyArray<Buffer>): ReadableLogRecord[] {
  const decoder = new BatchDecoder();
  const out: ReadableLogRecord[] = [];
  for (const p of payloads) for (const rec of decoder.decode(p, 0, p.length)) out.push(rec);
  return out;
}
