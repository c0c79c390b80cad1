import type { ExportResult } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { markNormalizedBatch } from '@spillway/record-format';
import { attachEncodedPayloads } from './encoded-payloads';
import { earlier, timeMs } from './internal/record-age';
import { BatchDecoder } from './internal/record-decoder';

/*
 * A batch the disk buffer's sender delivers as the bytes the WAL stores, its records decoded only
 * if a downstream asks for them:
 *
 *   sender ─► exporter.exportStored(batch)   (an exporter that takes the codec bytes)
 *               OTLP exporter: payloads ─► transcodeToOtlpRequest ─► the wire (no records built)
 *               worker exporter: payloads ─► the export thread
 *               router: each target as it takes batches; a target that needs records calls
 *                       batch.records() (the failover files)
 *          └► exporter.export(batch.records())   (any other LogRecordExporter)
 *
 * While the collector keeps up, most frames are still in memory with their records (no decode
 * to save); what a burst or an outage leaves behind is read back from the WAL, and there the
 * decode was most of the sender's cost for records nobody but the JSON fallback reads.
 */

/**
 * A batch of records held as record-codec payloads (FORMAT.md, "Batch payload"), in order. What
 * {@link StoredBatchLogRecordExporter.exportStored} receives.
 */
export interface StoredLogRecordBatch {
  /** The payloads, in order; together they decode to exactly `recordCount` records. Read-only. */
  readonly payloads: readonly Buffer[];
  readonly recordCount: number;
  /**
   * The records, decoded on the first call (the same array on every later one), with the
   * payloads attached (`encodedPayloadsOf` gives them back) and marked as normalised. Throws
   * `CorruptRecordError` only for payloads the sender's scan let through and the decoder refuses
   * (none are known: the scan checks what the decoder checks).
   */
  records(): ReadableLogRecord[];
}

/**
 * A `LogRecordExporter` that also takes a batch as stored bytes. The disk buffer's sender calls
 * `exportStored` instead of `export` when its downstream has it; the result means what `export`'s
 * does. Implement it only where the bytes are used without the records (a transcode, a hand-over
 * to another thread); anything else reads `batch.records()`.
 */
export interface StoredBatchLogRecordExporter extends LogRecordExporter {
  exportStored(batch: StoredLogRecordBatch, resultCallback: (result: ExportResult) => void): void;
}

/** True when `exporter` takes stored batches ({@link StoredBatchLogRecordExporter}). */
export function takesStoredBatches(
  exporter: LogRecordExporter,
): exporter is StoredBatchLogRecordExporter {
  return typeof (exporter as Partial<StoredBatchLogRecordExporter>).exportStored === 'function';
}

/**
 * One frame of a stored batch: its payload, and its records when they are at hand already (else
 * its oldest record time, from the scan: payload-scan.ts).
 */
export interface StoredPart {
  payload: Buffer;
  records?: ReadableLogRecord[];
  oldestMs?: number;
}

/**
 * A {@link StoredLogRecordBatch} over `parts`. Frames with no records are decoded by `decoder` on
 * the first `records()` call (the sender passes its own: resources and scopes it decoded before
 * are the same objects, so the records group in one request as the eager decode's did).
 */
export class StoredBatch implements StoredLogRecordBatch {
  readonly payloads: readonly Buffer[];
  private decoded: ReadableLogRecord[] | undefined;

  constructor(
    private readonly parts: readonly StoredPart[],
    readonly recordCount: number,
    private readonly decoder: BatchDecoder = new BatchDecoder(),
  ) {
    this.payloads = parts.map((p) => p.payload);
  }

  /**
   * The earliest record time, ms since the epoch (-Infinity when some time is not a number), for
   * the sender's age limit: the scan's figure for frames read back, no decode.
   */
  oldestMs(): number {
    let oldest = Number.POSITIVE_INFINITY;
    for (const p of this.parts) {
      if (p.records === undefined) oldest = earlier(oldest, p.oldestMs ?? Number.NEGATIVE_INFINITY);
      else for (const r of p.records) oldest = earlier(oldest, timeMs(r.hrTime[0], r.hrTime[1]));
    }
    return oldest;
  }

  records(): ReadableLogRecord[] {
    if (this.decoded !== undefined) return this.decoded;
    const out: ReadableLogRecord[] = [];
    for (const p of this.parts) {
      const rs = p.records ?? this.decoder.decode(p.payload, 0, p.payload.length);
      for (const r of rs) out.push(r);
    }
    // Frames held in memory are the normalised records the encoder wrote, and a frame read back
    // decodes losslessly to such records: the stages after need not check each one again.
    markNormalizedBatch(out);
    attachEncodedPayloads(out, this.payloads);
    this.decoded = out;
    return out;
  }
}

/**
 * A stored batch over `payloads` (record-codec payloads, as `encodeLogRecordBatch` writes them),
 * decoded on demand: for tests and for exporters that wrap a stored-batch exporter.
 */
export function storedLogRecordBatch(
  payloads: readonly Buffer[],
  recordCount: number,
): StoredLogRecordBatch {
  return new StoredBatch(
    payloads.map((payload) => ({ payload })),
    recordCount,
  );
}
