import type { ReplayOptions, ReplayStats } from '../types';
import type { ExportTarget } from './export-target';
import type { ReplaySource } from './replay-source';

export interface ReplayHost {
  primary: ExportTarget;
  liveInFlight: () => number;
}

export class Replayer {
  constructor(
    readonly host: ReplayHost,
    readonly source: ReplaySource,
    readonly options: ReplayOptions,
  ) {}
  primaryRecovered(): void {}
  liveSettled(): void {}
  fallbackWritten(): void {}
  async flush(): Promise<void> {}
  async stop(): Promise<void> {}
  getStats(): ReplayStats {
    return { state: 'idle', filesPending: 0, bytesPending: 0, recordsReplayed: 0, batchesReplayed: 0, filesReplayed: 0 };
  }
}
