import * as fs from 'node:fs';

/**
 * Free space on the buffer's file system without a syscall per export: `fs.statfs` at most every
 * `refreshMillis` (async, off the hot path), minus the bytes appended since.
 */
export class DiskSpace {
  private free = Number.POSITIVE_INFINITY;
  private appendedSince = 0;
  private lastRefresh = 0;
  private refreshing = false;

  constructor(
    private readonly directory: string,
    private readonly refreshMillis = 1000,
  ) {
    this.refreshSync();
  }

  /** Estimated free bytes now. */
  freeBytes(): number {
    const now = Date.now();
    if (!this.refreshing && now - this.lastRefresh >= this.refreshMillis) {
      this.refreshing = true;
      this.lastRefresh = now;
      fs.statfs(this.directory, (err, s) => {
        this.refreshing = false;
        if (!err) {
          this.free = s.bavail * s.bsize;
          this.appendedSince = 0;
        }
      });
    }
    return this.free - this.appendedSince;
  }

  noteAppended(bytes: number): void {
    this.appendedSince += bytes;
  }

  /** After files were deleted or an ENOSPC: the next check asks the file system again. */
  refreshSync(): void {
    try {
      const s = fs.statfsSync(this.directory);
      this.free = s.bavail * s.bsize;
      this.appendedSince = 0;
      this.lastRefresh = Date.now();
    } catch {
      this.free = Number.POSITIVE_INFINITY;
    }
  }
}
