import { type LastError, lastErrorOf } from '@spillway/self-metrics';
import type { DiskBufferDropReason } from '../types';
import { addCounts, emptyCounts, type SeverityCounts, total, UNKNOWN } from './severity-counts';

/** Mutable counters shared by the writer, the recovery scan, the sender and the spiller. */
export class Counters {
  accepted = 0;
  delivered = 0;
  retries = 0;
  /** Records the sender took from memory (RecentFrames) rather than reading the WAL back. */
  fromMemory = 0;
  /** Records lost for good, by reason, each by severity class (index order, `unknown` last). */
  readonly dropped: Record<DiskBufferDropReason, SeverityCounts> = {
    disk_full: emptyCounts(),
    io_error: emptyCounts(),
    corrupt: emptyCounts(),
    expired: emptyCounts(),
  };
  corruptFrames = 0;
  truncatedBytes = 0;
  /** Files left alone: non-regular files under a buffer name, segments of an unknown version. */
  skippedFiles = 0;
  lastError: LastError | undefined;
  private readonly warned = new Set<string>();

  /** Counts `count` lost records; those `severities` does not cover count as `unknown`. */
  drop(reason: DiskBufferDropReason, count: number, severities?: Readonly<SeverityCounts>): void {
    if (count <= 0) return;
    const into = this.dropped[reason];
    const known = severities ? Math.min(total(severities), count) : 0;
    if (severities && known === total(severities)) addCounts(into, severities);
    else if (severities) {
      // More severities than records (an estimate overshot): keep the count exact, not the split.
      into[UNKNOWN]! += count;
      return;
    }
    into[UNKNOWN]! += count - known;
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
    this.lastError = lastErrorOf(err);
  }
}
