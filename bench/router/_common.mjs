// Helpers shared by the router scenarios (not a scenario itself).
import { createBenchmarkRecordGenerator, toReadableLogRecords } from '@spillway/testing';

export { exportBatch, machine, median, table } from '../_shared.mjs';

/**
 * `n` records in batches of `size`, as ReadableLogRecords: the LogHub corpus when it is found,
 * else generated ones; `input` names which, for the results line.
 */
export function recordBatches(n, size = 512) {
  const { generator: gen, input } = createBenchmarkRecordGenerator({ seed: 42 });
  const batches = [];
  for (let done = 0; done < n; done += size) {
    batches.push(toReadableLogRecords(gen.take(Math.min(size, n - done)), 'bench-service'));
  }
  return { batches, input };
}
