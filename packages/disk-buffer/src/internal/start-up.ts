import { join } from 'node:path';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import {
  CHECKPOINT_FILE,
  type Checkpoint,
  CheckpointStore,
  readCheckpointSync,
  removeCheckpointTempsSync,
} from './checkpoint';
import type { Counters } from './counters';
import { DirLock } from './dir-lock';
import { displaceIfNotFile, type ListedDirectory, listDirectory } from './directory-listing';
import { DiskCap } from './disk-cap';
import { DiskSpace } from './disk-space';
import { FileDeleter } from './file-deleter';
import { FileHolds } from './file-holds';
import type { Ledger } from './ledger';
import { makeDirectorySync } from './make-directory';
import type { ResolvedOptions } from './options';
import { RecentFrames } from './recent-frames';
import { recoverInBackground, startPosition, trustedCheckpoint } from './recovery';
import { Sender } from './sender';
import { Spiller } from './spiller';
import { WalWriter } from './wal-writer';

/*
 * Start-up of one buffer directory, in order:
 *
 *   lock ─► move aside non-file lock/checkpoint ─► read checkpoint ─► list files into the ledger
 *        ─► writer (new segment after every listed seq), spiller, sender (from the checkpoint),
 *           disk cap (admission, eviction) ─► background recovery scan of the listed files
 *
 * One FileDeleter deletes files for all of them, and the ledger changes only through its
 * transitions (ledger.ts).
 *
 * Any throw after the lock releases it: a failed start never leaves the directory locked.
 */

/**
 * Encoded bytes of just-appended frames held in memory for the sender (RecentFrames). A collector
 * that keeps up needs a few batches of it (bench/node/pino-anchor: at 20,000 records/s on a loaded
 * 2-core machine the sender trails by a few MiB); during an outage it is what stays held (the
 * records' heap is a few times this), so it stays small: beyond it the sender reads the WAL, as
 * after a restart.
 */
const RECENT_FRAME_BYTES = 8 * 1024 * 1024;

/** The parts a started buffer runs on; the exporter owns them from here. */
export interface StartedBuffer {
  lock: DirLock;
  /** Admission of each append under the caps, and eviction. */
  cap: DiskCap;
  writer: WalWriter;
  spiller: Spiller;
  sender: Sender;
  /** Frames just appended, kept for the sender: the exporter adds to it after each append. */
  recent: RecentFrames;
  /** Settles when the background scan of the files listed at start is done. */
  recovery: Promise<void>;
}

export interface StartUpContext {
  options: ResolvedOptions;
  downstream: LogRecordExporter;
  counters: Counters;
  ledger: Ledger;
  /** Brackets each background recovery scan (for `getStats().recovering`). */
  onRecoveryStart: () => void;
  onRecoveryDone: () => void;
}

/** Locks `options.directory` and builds its writer, spiller and sender; throws DirectoryLockedError. */
export function startBuffer(ctx: StartUpContext): StartedBuffer {
  const dir = ctx.options.directory;
  // Names the real cause (EROFS, EACCES), not the ENOENT a recursive mkdirSync reports.
  makeDirectorySync(dir);
  const lock = DirLock.acquire(dir);
  try {
    return { lock, ...assemble(ctx, readDirectory(ctx, lock)) };
  } catch (err) {
    lock.release();
    throw err;
  }
}

interface FoundDirectory {
  listed: ListedDirectory;
  checkpoint: Checkpoint | undefined;
}

/** Under the lock: moves aside what is in a buffer name's way, reads the checkpoint, lists files. */
function readDirectory(ctx: StartUpContext, lock: DirLock): FoundDirectory {
  const { counters, ledger } = ctx;
  const dir = ctx.options.directory;
  const lockPath = join(dir, 'lock');
  if (lock.takeover) counters.warn(lockPath, lock.takeover);
  if (lock.displaced) counters.skip(lockPath, `not a file: moved to ${lock.displaced}`);
  for (const name of [CHECKPOINT_FILE, `${CHECKPOINT_FILE}.tmp`]) {
    const aside = displaceIfNotFile(join(dir, name));
    if (aside) counters.skip(join(dir, name), `not a file: moved to ${aside}`);
  }
  removeCheckpointTempsSync(dir);
  const cp = readCheckpointSync(dir);
  if (cp.state === 'corrupt') counters.error(new Error(`checkpoint ignored: ${cp.reason}`));
  const listed = listDirectory(dir, ledger, counters);
  return {
    listed,
    checkpoint: trustedCheckpoint(ledger, cp.state === 'ok' ? cp.checkpoint : undefined),
  };
}

/** Builds the parts over the listed directory and starts its background recovery scan. */
function assemble(
  ctx: StartUpContext,
  { listed, checkpoint }: FoundDirectory,
): Omit<StartedBuffer, 'lock'> {
  const { options: o, counters, ledger } = ctx;
  const dir = o.directory;
  const space = new DiskSpace(dir);
  const holds = new FileHolds(
    () => space.refreshSync(),
    (err) => counters.error(err),
  );
  const files = new FileDeleter(ledger, holds, () => space.refreshSync());
  // The three call each other through these callbacks, which run only after all are built.
  let sender: Sender | undefined;
  let spiller: Spiller | undefined;
  const recent = new RecentFrames(RECENT_FRAME_BYTES);
  const writer = new WalWriter({
    directory: dir,
    ledger,
    holds,
    mode: o.fsyncMode,
    intervalMillis: o.intervalMillis,
    segmentBytes: o.segmentBytes,
    firstSeq: listed.nextSeq,
    onWritten: () => {
      sender?.wake();
      spiller?.maybeSpill();
    },
    onError: (err) => counters.error(err),
    onFrameFailed: (seq, offset) => recent.forget(seq, offset),
    cipher: o.cipher,
  });
  spiller = new Spiller({
    directory: dir,
    ledger,
    counters,
    holds,
    files,
    spillAfterBytes: o.spillAfterBytes,
    serviceName: o.serviceName,
    encryption: o.encryption,
    cipher: o.cipher,
    busy: (seq) => (sender !== undefined && seq <= sender.pos.seq) || seq === writer.activeSeq,
    onSpilled: () => sender?.wake(),
  });
  const spills = spiller;
  const started: Sender = new Sender(
    {
      ledger,
      counters,
      holds,
      files,
      exporter: ctx.downstream,
      checkpoints: new CheckpointStore(dir, o.fsyncMode !== 'never'),
      retry: o.retry,
      exportTimeoutMillis: o.exportTimeoutMillis,
      maxBatchRecords: o.maxExportBatchSize,
      maxRecordAgeMillis: o.maxRecordAgeMillis,
      checkpointMillis: 1000,
      openSpill: (entry, skip) => spills.open(entry, skip),
      recent,
      cipher: o.cipher,
    },
    startPosition(ledger, checkpoint, listed.nextSeq),
  );
  sender = started;
  const cap = new DiskCap({
    ledger,
    counters,
    space,
    files,
    maxDiskBytes: o.maxDiskBytes,
    minFreeBytes: o.minFreeBytes,
    whenFull: o.whenFull,
    writer,
    sender: started,
  });
  const recovery = recoverInBackground(
    ledger,
    listed.spills,
    listed.segments,
    counters,
    checkpoint,
    {
      onStart: ctx.onRecoveryStart,
      onDone: ctx.onRecoveryDone,
      onResume: (seq, r) => started.pos.resumed(seq, r.resumeOffset, r.deliveredBefore),
      onHeld: (entry, reason) => {
        ledger.held(entry);
        counters.skip(entry.path, reason);
      },
    },
    { cipher: o.cipher, encryption: o.encryption },
  );
  return { cap, writer, spiller, sender: started, recent, recovery };
}
