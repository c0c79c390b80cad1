import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';

/** A record and the index of the source it came from. */
export interface SourcedRecord {
  source: number;
  record: ReadableLogRecord;
}

/** Time of a record (timestamp, else observed timestamp) in nanoseconds, comparable as a bigint. */
function timeOf(r: ReadableLogRecord): bigint {
  const t = r.hrTime[0] === 0 && r.hrTime[1] === 0 ? r.hrTimeObserved : r.hrTime;
  return BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);
}

/**
 * Merges record streams that are each in time order (the files of a directory, each written in
 * time order) into one in time order; ties go to the lower source, so the result is deterministic.
 * A linear scan of the heads per record: replay sends over a network, and a day of files is tens
 * of streams, where a heap would buy nothing measurable.
 */
export async function* timeOrdered(
  sources: ReadonlyArray<AsyncIterable<ReadableLogRecord>>,
): AsyncGenerator<SourcedRecord> {
  const its = sources.map((s) => s[Symbol.asyncIterator]());
  const heads: Array<{ record: ReadableLogRecord; time: bigint } | undefined> = [];
  const advance = async (i: number) => {
    const n = await its[i]!.next();
    heads[i] = n.done ? undefined : { record: n.value, time: timeOf(n.value) };
  };
  for (let i = 0; i < its.length; i++) await advance(i);
  for (;;) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i];
      if (h !== undefined && (best < 0 || h.time < heads[best]!.time)) best = i;
    }
    if (best < 0) return;
    yield { source: best, record: heads[best]!.record };
    await advance(best);
  }
}
