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
