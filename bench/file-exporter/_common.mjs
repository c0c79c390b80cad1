// Helpers shared by the file-exporter scenarios (not a scenario itself).
import { createBenchmarkRecordGenerator, toReadableLogRecords } from '@spillway/testing';

export { exportBatch, knob, machine, median, table } from '../_shared.mjs';

/**
 * Records with random trace ids (the generators' default 90% share), in chunks of `chunk`: the
 * LogHub corpus when it is found, else generated ones; `input` names which, for the results line.
 */
export function recordChunks(total, options = {}, chunk = 10_000) {
  const { generator, input } = createBenchmarkRecordGenerator({ seed: 42, ...options });
  const chunks = [];
  for (let done = 0; done < total; done += chunk) {
    chunks.push(
      toReadableLogRecords(generator.take(Math.min(chunk, total - done)), 'bench-service'),
    );
  }
  return { chunks, input };
}
