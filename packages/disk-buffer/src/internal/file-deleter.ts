import * as fs from 'node:fs';
import type { FileHolds } from './file-holds';
import type { Ledger, LedgerEntry, SpillEntry, SpilledFile, WalEntry } from './ledger';

/**
 * The one place buffer files (WAL segments, spill files and their `.idx`) are deleted. Each method
 * names why a file goes and makes the matching ledger transition in the same step, so the ledger
 * never lists a file that is gone nor misses one that stays. Deletion goes through FileHolds:
 * a file some handle still holds is unlinked when its last holder closes it.
 */
export class FileDeleter {
  constructor(
    private readonly ledger: Ledger,
    private readonly holds: FileHolds,
    /** A file left the ledger: the free-space figure must be asked again. */
    private readonly onDeleted: () => void,
  ) {}

  /**
   * Every record of the file was delivered (and is durable downstream). A file the disk cap
   * evicted meanwhile is already gone.
   */
  delivered(entry: LedgerEntry): void {
    if (!entry.evicted) this.unlink(entry);
    this.ledger.delivered(entry);
    this.onDeleted();
  }

  /** The sender gave the file up after repeated read failures; its records are counted. */
  gaveUp(entry: LedgerEntry): void {
    if (!entry.evicted) this.unlink(entry);
    this.ledger.gaveUp(entry);
    this.onDeleted();
  }

  /** The disk cap evicted the file (oldest first); its records are counted by the caller. */
  evicted(entry: LedgerEntry): void {
    this.ledger.evicted(entry);
    this.unlink(entry);
  }

  /** The file was deleted underneath the buffer: only the ledger is left to update. */
  lost(entry: LedgerEntry): void {
    this.ledger.lost(entry);
    this.onDeleted();
  }

  /** Segment `seg` was rewritten as `file`, which takes its seq: the segment goes. */
  superseded(seg: WalEntry, file: SpilledFile): SpillEntry {
    const spill = this.ledger.spilled(seg, file);
    this.holds.remove(seg.path);
    return spill;
  }

  /**
   * A spill file (or its temp) that never entered the ledger: the spill was abandoned (the
   * segment was claimed, evicted or the spiller stopped) or failed.
   */
  abandonedSpill(path: string): void {
    this.holds.remove(path, [`${path}.idx`]);
  }

  /**
   * A file no ledger entry names and nothing holds: at start-up, an interrupted write (`*.tmp`,
   * a checkpoint temp, an `.idx` without its `.zst`) or a segment whose spill file completed
   * before the crash (the spill wins); in a run, a new segment whose header could not be written.
   * A failure throws: start-up never goes on past a file it could not clean up.
   */
  static leftover(path: string): void {
    fs.rmSync(path, { force: true });
  }

  private unlink(entry: LedgerEntry): void {
    this.holds.remove(entry.path, entry.kind === 'spill' ? [`${entry.path}.idx`] : []);
  }
}
