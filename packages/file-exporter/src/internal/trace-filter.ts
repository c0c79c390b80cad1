import type { OtlpJsonLogsData } from '@spillway/record-format';
import type { TraceFilter } from '../types';

/*
 * The per-frame trace filter of index version 2 (FORMAT.md, "Trace filter"): a Bloom filter of the
 * trace ids of a frame's records, so that a read for one trace decodes only the frames that may
 * hold it. A filter never says "absent" for a trace it was built with (no false negatives); it
 * says "maybe" for another trace with probability about 0.05% (16 bits per id, 11 hashes).
 *
 * Only trace ids of 32 hex digits go in (lowercased): a reader looking for such an id compares it
 * with the lowercased `traceId` of each record, so a record whose id is anything else can never
 * match it. A lookup for an id that is not 32 hex digits gets "maybe" from every filter.
 *
 * Hashes come from the id's bytes themselves, which are random (W3C Trace Context): no hash
 * function is run. With t = the 16 bytes, w0..w3 = t read as four u32 little-endian words:
 *   h1 = w0 XOR w2,  h2 = (w1 XOR w3) OR 1,  bit_i = (h1 + i·h2) mod m  for i = 0 … k−1
 * (double hashing, Kirsch–Mitzenmacher). XOR of both halves because some generators put a
 * timestamp in the high bytes (X-Ray-style ids) and Trace Context Level 2 promises only the
 * rightmost 7 bytes random: each word pair stays random when either of its words is. h2 is odd
 * and m = 8·bytes is even, so h2 mod m is never 0.
 */

/**
 * Bits per distinct trace id. Why 16, not the classic 10: a day of 4 MiB frames is 240–4,000
 * frames; at 10 bits (0.8% false positives) a lookup would decode up to 32 frames in vain, at 16
 * (0.05%) about two. Two bytes per trace per frame is about 0.14% of the compressed frame
 * (measured: trace-lookup benchmark).
 */
export const TRACE_FILTER_BITS_PER_ID = 16;
/** Hash count: the optimum ln 2 · 16 ≈ 11. */
export const TRACE_FILTER_HASHES = 11;
/** Smallest filter, so that a frame of one trace still has room for its 11 bits. */
const MIN_FILTER_BYTES = 8;
/** Bounds a reader accepts (what a writer writes lies far inside them). */
export const MAX_TRACE_FILTER_HASHES = 32;

const TRACE_ID = /^[0-9a-f]{32}$/;

/** The lowercased id when it can be filtered (32 hex digits), else undefined. */
export function filterableTraceId(traceId: string): string | undefined {
  // Ids are lowercase already nearly always: test first, so the common case allocates nothing.
  if (TRACE_ID.test(traceId)) return traceId;
  const id = traceId.toLowerCase();
  return TRACE_ID.test(id) ? id : undefined;
}

function hashesOf(id: string): [number, number] {
  const t = Buffer.from(id, 'hex');
  const h1 = (t.readUInt32LE(0) ^ t.readUInt32LE(8)) >>> 0;
  const h2 = ((t.readUInt32LE(4) ^ t.readUInt32LE(12)) | 1) >>> 0;
  return [h1, h2];
}

/**
 * The filter of a frame whose records carry the ids in `traceIds` (as the records hold them; ids
 * that are not 32 hex digits are left out, see {@link filterableTraceId}). Sized from the count.
 */
export function buildTraceFilter(traceIds: ReadonlySet<string>): TraceFilter {
  const bytes = Math.max(
    MIN_FILTER_BYTES,
    Math.ceil((traceIds.size * TRACE_FILTER_BITS_PER_ID) / 8),
  );
  const bits = Buffer.alloc(bytes);
  const m = bytes * 8;
  for (const given of traceIds) {
    const id = filterableTraceId(given);
    if (id === undefined) continue;
    const [h1, h2] = hashesOf(id);
    for (let i = 0; i < TRACE_FILTER_HASHES; i++) {
      const bit = (h1 + i * h2) % m;
      bits[bit >>> 3]! |= 1 << (bit & 7);
    }
  }
  return { hashes: TRACE_FILTER_HASHES, bits };
}

/**
 * Whether a frame with `filter` may hold records of `traceId`: false only when it certainly holds
 * none. No filter (index version 1, a scanned frame, a frame written without trace ids) and an id
 * that is not 32 hex digits both answer true.
 */
export function mayHoldTrace(
  filter: TraceFilter | undefined,
  traceId: string | undefined,
): boolean {
  if (filter === undefined || traceId === undefined) return true;
  const id = filterableTraceId(traceId);
  if (id === undefined) return true;
  const [h1, h2] = hashesOf(id);
  const m = filter.bits.length * 8;
  for (let i = 0; i < filter.hashes; i++) {
    const bit = (h1 + i * h2) % m;
    if ((filter.bits[bit >>> 3]! & (1 << (bit & 7))) === 0) return false;
  }
  return true;
}

/**
 * The trace ids of a decoded frame's OTLP/JSON lines (for rebuilding an index), or undefined when
 * a line does not parse: its records' ids are unknown, so the frame must get no filter.
 */
export function traceIdsOfLines(lines: ReadonlyArray<string>): Set<string> | undefined {
  const ids = new Set<string>();
  try {
    for (const line of lines) {
      const data = JSON.parse(line) as OtlpJsonLogsData;
      for (const rl of data.resourceLogs ?? []) {
        for (const sl of rl.scopeLogs ?? []) {
          for (const lr of sl.logRecords ?? []) if (!addTraceId(ids, lr.traceId)) return undefined;
        }
      }
    }
  } catch {
    // Not JSON, or not the LogsData shape (a non-array where an array belongs).
    return undefined;
  }
  return ids;
}

/**
 * Adds `traceId` (a string: any case, 32 hex digits or not) to `ids`. Returns false
 * when the id is neither absent nor a string: the encoder turns such a value into text that might
 * be 32 hex digits, so the caller must treat the ids as unknown.
 */
export function addTraceId(ids: Set<string>, traceId: unknown): boolean {
  if (traceId === undefined || traceId === null) return true;
  if (typeof traceId !== 'string') return false;
  // Checked once per distinct id when the filter is built, not once per record here.
  ids.add(traceId);
  return true;
}
