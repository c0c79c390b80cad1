// Helpers shared by the file-exporter scenarios (not a scenario itself).
import { CorpusRecordGenerator, toReadableLogRecords } from '@spillway/testing';

export { exportBatch, knob, machine, median, table } from '../_shared.mjs';

/** LogHub records with random trace ids (the generator's default 90% share), in chunks. */
export function* corpusChunks(total, options = {}, chunk = 10_000) {
  const gen = new CorpusRecordGenerator({ seed: 42, ...options });
  for (let done = 0; done < total; done += chunk) {
    yield toReadableLogRecords(gen.take(Math.min(chunk, total - done)), 'bench-service');
  }
}
