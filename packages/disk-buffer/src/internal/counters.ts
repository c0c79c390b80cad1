import type { DiskBufferDrops } from '../types';
import { addCounts, emptyCounts, type SeverityCounts, total, UNKNOWN } from './severity-counts';

/** Mutable counters shared by the writer, the recovery scan, the sender and the spiller. */
export class Counters {
  accepted = 0;
  delivered = 0;
  retries = 0;
  /** Records the sender took from memory (RecentFrames) rather than reading the WAL back. */
  fromMemory = 0;
  dropped: DiskBufferDrops = { disk_full: 0, corrupt: 0, expired: 0 };
  droppedBySeverity: SeverityCounts = emptyCounts();
  corruptFrames = 0;
  truncatedBytes = 0;
  /** Files left alone: non-regular files under a buffer name, segments of an unknown version. */
  skippedFiles = 0;
  lastError: string | undefined;
  private readonly warned = new Set<string>();

  /** Counts `count` lost records; those `severities` does not cover count as `unknown`. */
  drop(reason: keyof DiskBufferDrops, count: number, severities?: SeverityCounts): void {
    if (count <= 0) return;
    this.dropped[reason] += count;
    const known = severities ? Math.min(total(severities), count) : 0;
    if (severities && known === total(severities)) addCounts(this.droppedBySeverity, severities);
    else if (severities) {
      // More severities than records (an estimate overshot): keep the count exact, not the split.
      this.droppedBySeverity[UNKNOWN]! += count;
      return;
    }
    this.droppedBySeverity[UNKNOWN]! += count - known;
  }

  /**
   * Notes a file the buffer will not read or delete, and warns about it once per path
   * (`process.emitWarning`: printed by default, observable with `process.on('warning')`).
   */
  skip(path: string, why: string): void {
    this.skippedFiles++;
    this.warn(path, why);
  }

  /** Warns once per path, and records it as the last error. */
  warn(path: string, why: string): void {
    const message = `${path}: ${why}`;
    this.error(new Error(message));
    if (this.warned.has(path)) return;
    this.warned.add(path);
    process.emitWarning(message, { type: 'SpillwayWarning', code: 'SPILLWAY_DISK_BUFFER_FILE' });
  }

  error(err: unknown): void {
    this.lastError = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  }
}
