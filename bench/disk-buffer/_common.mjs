// Helpers shared by the disk-buffer scenarios (not a scenario itself).
import { CorpusRecordGenerator, toReadableLogRecords } from '@spillway/testing';

export { knob, machine, median, table } from '../_shared.mjs';

/** LogHub records (90% with trace context) as ReadableLogRecords, in batches of `batch`. */
export function corpusBatches(total, batch) {
  const recs = toReadableLogRecords(
    new CorpusRecordGenerator({ seed: 42 }).take(total),
    'bench-service',
  );
  const out = [];
  for (let i = 0; i < recs.length; i += batch) out.push(recs.slice(i, i + batch));
  return out;
}

/** A downstream that is down: the WAL is measured alone (the sender backs off for a minute). */
export const unreachable = {
  export: (_records, cb) => cb({ code: 1, error: new Error('collector down (benchmark)') }),
  shutdown: async () => {},
  forceFlush: async () => {},
};
