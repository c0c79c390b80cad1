import { corpusDir, loadCorpus } from './corpus';
import { CorpusRecordGenerator } from './corpus-record-generator';
import {
  SyntheticRecordGenerator,
  type SyntheticRecordGeneratorOptions,
} from './synthetic-record-generator';
import type { RecordGenerator } from './types';

/** The records a benchmark runs on, and the name of their input for its results line. */
export interface BenchmarkRecords {
  generator: RecordGenerator;
  /** `LogHub` or `synthetic`: say it where the benchmark prints what it measured. */
  input: 'LogHub' | 'synthetic';
}

/**
 * For benchmarks only: the LogHub corpus when {@link corpusDir} finds it (`SPILLWAY_CORPUS_DIR`,
 * or `shared/corpus/loghub` beside the repository), else the {@link SyntheticRecordGenerator},
 * so a benchmark runs on any clone. Writes one line to stderr saying which input is used, so
 * results are never read as the other's. `levelMix` applies to the synthetic input only.
 */
export function createBenchmarkRecordGenerator(
  options: SyntheticRecordGeneratorOptions = {},
  dir: string | undefined = corpusDir(),
): BenchmarkRecords {
  if (dir !== undefined) {
    const { levelMix: _, ...rest } = options;
    process.stderr.write(`benchmark input: LogHub corpus from ${dir}\n`);
    return {
      generator: new CorpusRecordGenerator({ ...rest, lines: loadCorpus(dir) }),
      input: 'LogHub',
    };
  }
  process.stderr.write(
    'benchmark input: synthetic records (no LogHub corpus found; set SPILLWAY_CORPUS_DIR to use one)\n',
  );
  return { generator: new SyntheticRecordGenerator(options), input: 'synthetic' };
}
