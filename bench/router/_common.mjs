// Helpers shared by the router scenarios (not a scenario itself).
import { CorpusRecordGenerator, toReadableLogRecords } from '@spillway/testing';

export { exportBatch, machine, median, table } from '../_shared.mjs';

/** `n` LogHub records in batches of `size`, as ReadableLogRecords. */
export function corpusBatches(n, size = 512) {
  const gen = new CorpusRecordGenerator({ seed: 42 });
  const out = [];
  for (let done = 0; done < n; done += size) {
    out.push(toReadableLogRecords(gen.take(Math.min(size, n - done)), 'bench-service'));
  }
  return out;
}
