import { type CorpusLine, loadCorpus } from './corpus';
import { Prng } from './internal/prng';
import { type RecordContent, RecordSequence } from './internal/record-sequence';
import type { RecordGeneratorOptions } from './types';

/** Options of {@link CorpusRecordGenerator}. */
export interface CorpusRecordGeneratorOptions extends RecordGeneratorOptions {
  /** Corpus lines to draw from. Default: the whole LogHub sample ({@link loadCorpus}). */
  lines?: CorpusLine[];
}

/**
 * Records from the LogHub corpus, for benchmarks that want real bodies and a real level mix:
 * each system's lines in the order its log was written, systems interleaved at random, with the
 * same trace contexts and options as {@link SyntheticRecordGenerator}. Tests never use it (the
 * corpus is not part of the repository); benchmarks get it through
 * {@link createBenchmarkRecordGenerator}. Deterministic given a seed and the corpus.
 *
 * @throws when no `lines` are given and the corpus is not found.
 */
export class CorpusRecordGenerator extends RecordSequence<undefined> {
  private readonly cursors = new Map<string, number>();
  private readonly bySystem = new Map<string, CorpusLine[]>();
  private readonly systems: string[];

  constructor(options: CorpusRecordGeneratorOptions = {}) {
    super(
      new Prng(options.seed ?? 1),
      options,
      () => undefined,
      () => undefined,
    );
    for (const l of options.lines ?? loadCorpus()) {
      let list = this.bySystem.get(l.system);
      if (!list) {
        list = [];
        this.bySystem.set(l.system, list);
      }
      list.push(l);
    }
    this.systems = [...this.bySystem.keys()];
    if (this.systems.length === 0) throw new RangeError('CorpusRecordGenerator: no corpus lines');
  }

  protected override draw(): RecordContent {
    const system = this.prng.pick(this.systems);
    const list = this.bySystem.get(system)!;
    const cursor = this.cursors.get(system) ?? 0;
    this.cursors.set(system, (cursor + 1) % list.length);
    const line = list[cursor]!;
    const attributes: Record<string, string | number> = { 'corpus.system': line.system };
    if (line.component) attributes['code.namespace'] = line.component;
    return {
      severityNumber: line.severityNumber,
      severityText: line.severityText,
      body: line.body,
      attributes,
    };
  }
}
