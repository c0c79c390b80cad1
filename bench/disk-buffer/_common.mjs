// Helpers shared by the disk-buffer scenarios (not a scenario itself).
import { createBenchmarkRecordGenerator, toReadableLogRecords } from '@spillway/testing';

export { knob, machine, median, table } from '../_shared.mjs';

/**
 * Records (90% with trace context) as ReadableLogRecords, in batches of `batch`: the LogHub
 * corpus when it is found, else generated ones; `input` names which, for the results line.
 */
export function recordBatches(total, batch) {
  const { generator, input } = createBenchmarkRecordGenerator({ seed: 42 });
  const recs = toReadableLogRecords(generator.take(total), 'bench-service');
  const batches = [];
  for (let i = 0; i < recs.length; i += batch) batches.push(recs.slice(i, i + batch));
  return { batches, input };
}

/** A downstream that is down: the WAL is measured alone (the sender backs off for a minute). */
export const unreachable = {
  export: (_records, cb) => cb({ code: 1, error: new Error('collector down (benchmark)') }),
  shutdown: async () => {},
  forceFlush: async () => {},
};
