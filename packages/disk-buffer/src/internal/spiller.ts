import type { Counters } from './counters';
import type { Ledger, SpillEntry } from './ledger';
import type { SpillCursor } from './sender';

export interface SpillerOptions {
  directory: string;
  ledger: Ledger;
  counters: Counters;
  spillAfterBytes: number;
  serviceName: string | undefined;
  /** True for segments the sender or the writer is using (never spilled). */
  busy: (seq: number) => boolean;
  onSpilled: () => void;
}

export class Spiller {
  constructor(private readonly o: SpillerOptions) {}

  static list(_directory: string, _ledger: Ledger): number[] {
    return [];
  }

  maybeSpill(): void {}

  async open(entry: SpillEntry, _skip: number): Promise<SpillCursor> {
    throw new Error(`spill not implemented: ${entry.path} ${this.o.directory}`);
  }

  async stop(): Promise<void> {}
}
