import type { DiskBufferDrops } from '../types';

/** Mutable counters shared by the writer, the recovery scan, the sender and the spiller. */
export class Counters {
  accepted = 0;
  delivered = 0;
  retries = 0;
  dropped: DiskBufferDrops = { disk_full: 0, corrupt: 0, expired: 0 };
  corruptFrames = 0;
  truncatedBytes = 0;
  lastError: string | undefined;

  error(err: unknown): void {
    this.lastError = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  }
}
