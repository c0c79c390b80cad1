import * as fs from 'node:fs';
import { afterReturn } from './after-return';

/**
 * Free space on the buffer's file system as the file system reports it (`statfs`), without a
 * syscall per export: asked at most every `refreshMillis` (async, off the hot path), minus the
 * bytes appended since, and asked again at once after files are removed or a write fails.
 *
 * A file system out of inodes is as full as one out of bytes: every new segment, spill file and
 * checkpoint needs one, so below `MIN_FREE_INODES` the free space counts as zero.
 */
export const MIN_FREE_INODES = 8;

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
      // Asked once the caller has returned: submitting the statfs wakes a threadpool thread (a
      // futex syscall), which a FATAL emit, which calls this, must not pay before it returns.
      afterReturn(this.ask);
    }
    return this.free - this.appendedSince;
  }

  private readonly ask = (): void => {
    try {
      fs.statfs(this.directory, (err, s) => {
        this.refreshing = false;
        if (!err) this.set(s);
      });
    } catch {
      // Not asked this time (a throw here would be an unhandled rejection): asked at the next due.
      this.refreshing = false;
    }
  };

  noteAppended(bytes: number): void {
    this.appendedSince += bytes;
  }

  /** After files were deleted or an ENOSPC: asks the file system now. */
  refreshSync(): void {
    try {
      this.set(fs.statfsSync(this.directory));
      this.lastRefresh = Date.now();
    } catch {
      this.free = Number.POSITIVE_INFINITY;
    }
  }

  private set(s: fs.StatsFs): void {
    // `files` is 0 on file systems without an inode limit (btrfs, some FUSE): bytes only there.
    const outOfInodes = s.files > 0 && s.ffree < MIN_FREE_INODES;
    this.free = outOfInodes ? 0 : s.bavail * s.bsize;
    this.appendedSince = 0;
  }
}
