import * as fs from 'node:fs';
import type { EncryptionOptions, SyncFrameCipher } from '@spillway/file-exporter';
import type { Checkpoint } from './checkpoint';
import type { Counters } from './counters';
import { FrameReader } from './frame-reader';
import type { Ledger, SpillEntry, WalEntry } from './ledger';
import type { Position } from './read-position';
import { Spiller } from './spiller';
import { parseSegmentHeader, SEGMENT_HEADER_BYTES } from './wal-format';

/*
 * Recovery step 2 (step 1, listing the directory, is directory-listing.ts): in the background
 * (async 1 MiB reads), verify every frame of every old segment in seq order, count the records,
 * count and skip damaged ranges, cut torn tails. The sender awaits a segment's scan before reading
 * it, so a large backlog never delays the app.
 */

/** Where to resume in the checkpoint's segment and how many of its records were delivered. */
export interface ScanResult {
  resumeOffset: number;
  deliveredBefore: number;
  /**
   * Why the segment must be left as it is: it holds frames intact on disk that cannot be
   * decrypted (no key, an unknown key id, a wrong key). Undefined for a segment to deliver.
   */
  held?: string;
}

/**
 * Step 2 for one segment. Fills `entry.records`; counts the records of damaged ranges from the
 * record indexes on either side (FrameReader), and cuts a torn tail: only bytes after which no
 * valid frame follows.
 *
 * A segment with a frame that cannot be decrypted is **held**: nothing is cut or counted lost,
 * only its undecryptable frames in `corruptFrames`; the caller leaves the file alone (a restart
 * with the key delivers it). Cutting or dropping it would destroy records that the right key
 * still reads.
 */
export async function scanSegment(
  entry: WalEntry,
  ledger: Ledger,
  counters: Counters,
  checkpoint: Checkpoint | undefined,
  cipher?: SyncFrameCipher,
): Promise<ScanResult> {
  const result: ScanResult = { resumeOffset: SEGMENT_HEADER_BYTES, deliveredBefore: 0 };
  const cpOffset =
    checkpoint?.kind === 'wal' && checkpoint.seq === entry.seq ? checkpoint.position : 0;
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(entry.path, 'r+');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      ledger.cut(entry, 0);
      return result;
    }
    throw err;
  }
  try {
    const head = Buffer.alloc(SEGMENT_HEADER_BYTES);
    await fh.read(head, 0, SEGMENT_HEADER_BYTES, 0);
    // A damaged header costs nothing: frames verify themselves. It is only noted as a bad frame.
    const header = parseSegmentHeader(head);
    // Tallied here and applied at the end: a held segment counts none of them.
    let corruptFrames = header.state !== 'ok' || header.seq !== entry.seq ? 1 : 0;
    let corruptRecords = 0;
    let undecryptable = 0;
    const reader = new FrameReader(fh, SEGMENT_HEADER_BYTES, {
      cipher,
      encrypted: entry.encrypted,
    });
    const limit = entry.bytes;
    let cutAt: number | undefined;
    for (;;) {
      const r = await reader.next(limit);
      if (r === null) break;
      if (r.kind === 'frame' || r.kind === 'undecryptable') {
        if (r.kind === 'undecryptable') {
          undecryptable++;
          result.held ??= `frame at offset ${r.offset}: ${r.reason}`;
        }
        if (r.end <= cpOffset) {
          result.resumeOffset = r.end;
          result.deliveredBefore += r.header.count;
        }
        ledger.recordsFound(entry, r.header.count);
        continue;
      }
      if (r.kind === 'incomplete') {
        cutAt = r.offset;
        break;
      }
      corruptFrames++;
      corruptRecords += r.records;
      if (r.tail) {
        cutAt = r.offset;
        break;
      }
    }
    if (result.held !== undefined) {
      counters.corruptFrames += undecryptable;
      result.held = `${undecryptable} encrypted frame(s) cannot be decrypted (first: ${result.held}): segment left untouched, delivered by a start with the key`;
      return result;
    }
    counters.corruptFrames += corruptFrames;
    counters.drop('corrupt', corruptRecords);
    if (cutAt !== undefined) {
      counters.truncatedBytes += limit - cutAt;
      await fh.truncate(cutAt);
      await fh.datasync();
      ledger.cut(entry, cutAt);
    }
  } finally {
    await fh.close();
  }
  return result;
}

/**
 * The checkpoint, when it can be trusted: it names the oldest file, of the same kind. Older than
 * every file, it is stale (the file it named was delivered and deleted); past the oldest, the files
 * before it can only be deliveries whose deletion was lost, or damage. Either way: start at the
 * oldest file — redelivery, never records skipped uncounted.
 */
export function trustedCheckpoint(
  ledger: Ledger,
  checkpoint: Checkpoint | undefined,
): Checkpoint | undefined {
  const oldest = ledger.sorted()[0];
  if (checkpoint === undefined || oldest === undefined) return undefined;
  return checkpoint.seq === oldest.seq && checkpoint.kind === oldest.kind ? checkpoint : undefined;
}

/** Where the sender starts: the (trusted) checkpoint, else the oldest file. */
export function startPosition(
  ledger: Ledger,
  checkpoint: Checkpoint | undefined,
  nextSeq: number,
): Position {
  const oldest = ledger.sorted()[0];
  if (oldest === undefined) return { seq: nextSeq, offset: SEGMENT_HEADER_BYTES, doneInFile: 0 };
  if (checkpoint === undefined) {
    return {
      seq: oldest.seq,
      offset: oldest.kind === 'wal' ? SEGMENT_HEADER_BYTES : 0,
      doneInFile: 0,
    };
  }
  // A WAL offset is moved to a frame boundary (and the records before it counted) by the scan.
  return {
    seq: oldest.seq,
    offset: checkpoint.position,
    doneInFile: oldest.kind === 'spill' ? checkpoint.position : 0,
  };
}

export interface RecoveryHooks {
  onStart: () => void;
  onDone: () => void;
  /** The scan of the checkpoint's segment found where to resume in it. */
  onResume: (seq: number, result: ScanResult) => void;
  /** The file cannot be decrypted (`reason`): leave it alone (ScanResult.held). */
  onHeld: (entry: WalEntry | SpillEntry, reason: string) => void;
}

/**
 * Step 2 for every old file, one at a time in seq order (spill files: their record counts from the
 * index). Each entry's `scanned` promise resolves when it is verified; the sender awaits it.
 */
export function recoverInBackground(
  ledger: Ledger,
  spills: SpillEntry[],
  segments: WalEntry[],
  counters: Counters,
  checkpoint: Checkpoint | undefined,
  hooks: RecoveryHooks,
  keys: { cipher?: SyncFrameCipher | undefined; encryption?: EncryptionOptions | undefined } = {},
): Promise<void> {
  let chain = Promise.resolve();
  const step = (entry: WalEntry | SpillEntry, work: () => Promise<void>) => {
    hooks.onStart();
    chain = chain.then(async () => {
      try {
        await work();
      } catch (err) {
        counters.error(err);
      } finally {
        ledger.verified(entry);
        hooks.onDone();
      }
    });
    ledger.scanStarted(entry, chain);
  };
  for (const entry of spills) {
    step(entry, async () => {
      const held = await Spiller.loadCount(entry, ledger, keys.encryption);
      if (held !== undefined) hooks.onHeld(entry, held);
    });
  }
  for (const entry of segments) {
    step(entry, async () => {
      const r = await scanSegment(entry, ledger, counters, checkpoint, keys.cipher);
      if (r.held !== undefined) {
        hooks.onHeld(entry, r.held);
        return;
      }
      if (checkpoint?.kind === 'wal' && checkpoint.seq === entry.seq) hooks.onResume(entry.seq, r);
    });
  }
  return chain;
}
