import * as fs from 'node:fs';
import { join } from 'node:path';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import {
  CompressedFileWriter,
  compressedFileName,
  type EncryptionOptions,
  isKeyProblem,
  openReplayCursor,
  readFrameTable,
  type SyncFrameCipher,
} from '@spillway/file-exporter';
import { severityClassOf } from '@spillway/record-format';
import type { SpillCursor } from './batch-source';
import type { Counters } from './counters';
import type { FileDeleter } from './file-deleter';
import type { FileHolds } from './file-holds';
import { FrameReader } from './frame-reader';
import type { Ledger, SpillEntry, WalEntry } from './ledger';
import { BatchDecoder } from './record-decoder';
import { countSeverities, emptyCounts } from './severity-counts';
import { SEGMENT_HEADER_BYTES } from './wal-format';

/*
 * Spill: when the undelivered WAL backlog exceeds `spillAfterBytes`, the oldest closed segment the
 * sender is not reading is rewritten, one WAL frame per OTLP/JSON line, into a compressed file
 * (@spillway/file-exporter's format: zstd frames compressed on the libuv threadpool, never on the
 * event loop), then swapped in for the segment under the same seq:
 *
 *   <seq>.wal ─► <service>-<date>-<time>.spill-<seq>.zst.tmp (+ .idx) ─► close (fsync) ─► rename both
 *             ─► fsync dir ─► ledger: seq is now a spill entry ─► delete <seq>.wal
 *
 * The rename of the .zst is the commit point: at restart a complete spill file wins over a
 * leftover segment of the same seq, and temp files (and an .idx renamed without its .zst) are
 * removed (directory-listing.ts). Files are removed by FileDeleter: closed first.
 */

export interface SpillerOptions {
  directory: string;
  ledger: Ledger;
  counters: Counters;
  holds: FileHolds;
  /** Deletes the segment a spill replaces, and spill files abandoned. */
  files: FileDeleter;
  spillAfterBytes: number;
  serviceName: string | undefined;
  /** Spill files are encrypted with it (the file exporter's encrypted frames) and read with it. */
  encryption?: EncryptionOptions | undefined;
  /** Reads the encrypted frames of the segments spilled. */
  cipher?: SyncFrameCipher | undefined;
  /** True for segments the sender or the writer is using (never spilled). */
  busy: (seq: number) => boolean;
  onSpilled: () => void;
}

/** Estimated bytes above which spill lines stop being merged into one downstream export. */
const MAX_MERGE_BYTES = 1024 * 1024;

/** Raw OTLP/JSON bytes per zstd frame of a spill file: large frames compress best. */
const SPILL_FRAME_BYTES = 8 * 1024 * 1024;

export class Spiller {
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly o: SpillerOptions) {}

  /**
   * Reads a recovered spill file's record count from its index (or a header scan), and whether
   * its first frame decrypts with the keys given: the reason it does not (no key, another key id,
   * a wrong key), for the caller to leave the file alone, or undefined. One run writes a spill
   * file with one key, so its first frame speaks for the rest.
   */
  static async loadCount(
    entry: SpillEntry,
    ledger: Ledger,
    encryption: EncryptionOptions | undefined,
  ): Promise<string | undefined> {
    const table = await readFrameTable(entry.path);
    const records = table.frames.reduce((n, f) => n + f.records, 0);
    // Listed with none: the index's count is the file's.
    ledger.recordsFound(entry, records);
    if (records === 0) return undefined;
    let held: string | undefined;
    const probe = openReplayCursor(entry.path, {
      encryption,
      onProblem: (p) => {
        if (isKeyProblem(p)) held ??= p.message;
      },
    });
    try {
      await probe.next(1);
    } finally {
      await probe.close();
    }
    return held && `${held}: spill file left untouched, delivered by a start with the key`;
  }

  /** Starts a conversion if the backlog is over the threshold and none is running. */
  maybeSpill(): void {
    if (this.running || this.stopped) return;
    const victim = this.candidate();
    if (victim === undefined) return;
    this.running = this.convert(victim)
      .catch((err) => this.o.counters.error(err))
      .finally(() => {
        this.running = undefined;
        this.maybeSpill();
      });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  /** Batches of a spill file after its first `skip` records. */
  async open(entry: SpillEntry, skip: number): Promise<SpillCursor> {
    await fs.promises.access(entry.path);
    const { counters, holds } = this.o;
    holds.hold(entry.path);
    // The file exporter's replay cursor: the one reader of stored files in order from a position
    // (here a count of records already delivered, which the WAL checkpoint keeps).
    const cursor = openReplayCursor(entry.path, {
      from: { records: skip },
      encryption: this.o.encryption,
      onProblem: (p) => {
        if (p.kind === 'index') return;
        counters.corruptFrames++;
        // The header or index tells the top severity of what was lost, not each record's: one
        // record is counted there, the rest as unknown. `records` is exact, or a lower bound (≥ 1).
        const lost = emptyCounts();
        if (p.records > 0 && p.maxSeverity !== undefined && p.maxSeverity > 0)
          lost[severityClassOf(p.maxSeverity)] = 1;
        counters.drop('corrupt', p.records, lost);
        counters.error(new Error(p.message));
      },
      onUnreadableLine: (frame, line, error) => {
        counters.corruptFrames++;
        counters.drop('corrupt', 1, emptyCounts());
        counters.error(
          new Error(`${entry.path} frame ${frame} line ${line}: ${(error as Error).message}`),
        );
      },
    });
    return {
      async next(maxRecords: number): Promise<ReadableLogRecord[] | null> {
        // Lines are merged up to a record count and a rough size (as WAL frames are).
        return (await cursor.next(maxRecords, MAX_MERGE_BYTES))?.records ?? null;
      },
      async close(): Promise<void> {
        try {
          await cursor.close();
        } finally {
          holds.release(entry.path);
        }
      },
    };
  }

  private candidate(): WalEntry | undefined {
    let backlog = 0;
    let oldest: WalEntry | undefined;
    for (const e of this.o.ledger.sorted()) {
      if (e.kind !== 'wal') continue;
      backlog += e.bytes;
      if (oldest === undefined && e.closed && e.verified && !e.evicted && !this.o.busy(e.seq)) {
        oldest = e;
      }
    }
    return backlog > this.o.spillAfterBytes ? oldest : undefined;
  }

  private async convert(seg: WalEntry): Promise<void> {
    const fh = await fs.promises.open(seg.path, 'r');
    this.o.holds.hold(seg.path);
    let closed: Promise<void> | undefined;
    const closeSource = () => {
      closed ??= fh.close().finally(() => this.o.holds.release(seg.path));
      return closed;
    };
    let writer: CompressedFileWriter | undefined;
    let tmp = '';
    let records = 0;
    const severities = emptyCounts();
    try {
      const reader = new FrameReader(fh, SEGMENT_HEADER_BYTES, {
        cipher: this.o.cipher,
        encrypted: seg.encrypted,
      });
      const decoder = new BatchDecoder();
      for (;;) {
        if (this.abandoned(seg)) return;
        const r = await reader.next(seg.written);
        if (r === null || r.kind === 'incomplete') break;
        if (r.kind === 'corrupt') continue; // counted by the recovery scan or by the sender's rules
        if (r.kind === 'undecryptable') {
          // Altered since this run wrote it (recovered segments with such frames are held).
          this.o.counters.corruptFrames++;
          this.o.counters.drop('corrupt', r.header.count);
          this.o.counters.error(new Error(`${seg.path}: ${r.reason}`));
          continue;
        }
        const batch = decoder.decode(r.payload, 0, r.payload.length);
        if (writer === undefined) {
          const service =
            this.o.serviceName ??
            String(batch[0]?.resource.attributes['service.name'] ?? 'unknown_service');
          // The seq in the name's own spill field (FORMAT.md of both packages), not the counter.
          const name = compressedFileName(service, Date.now(), 0, seg.seq);
          tmp = join(this.o.directory, `${name}.tmp`);
          writer = await CompressedFileWriter.create(tmp, {
            frameBytes: SPILL_FRAME_BYTES,
            encryption: this.o.encryption,
          });
        }
        writer.appendRecords(batch);
        records += batch.length;
        countSeverities(batch, severities);
      }
      if (writer === undefined) return;
      await writer.close();
      if (this.abandoned(seg)) return;
      const final = tmp.slice(0, -'.tmp'.length);
      await fs.promises.rename(`${tmp}.idx`, `${final}.idx`);
      await fs.promises.rename(tmp, final);
      await syncDir(this.o.directory);
      // The sender may have started on this seq (or the cap evicted it) while we were writing.
      if (this.abandoned(seg)) {
        this.o.files.abandonedSpill(final);
        return;
      }
      writer = undefined;
      // The segment is held until closeSource: the deleter unlinks it then.
      this.o.files.superseded(seg, {
        path: final,
        bytes: fileSize(final) + fileSize(`${final}.idx`),
        records,
        severities,
      });
      await closeSource();
      this.o.onSpilled();
    } finally {
      await closeSource();
      if (writer !== undefined) {
        await writer.close().catch(() => {});
        this.o.files.abandonedSpill(tmp);
      }
    }
  }

  private abandoned(seg: WalEntry): boolean {
    return (
      this.stopped || seg.evicted || this.o.busy(seg.seq) || this.o.ledger.get(seg.seq) !== seg
    );
  }
}

function fileSize(path: string): number {
  try {
    return fs.statSync(path).size;
  } catch {
    return 0;
  }
}

async function syncDir(dir: string): Promise<void> {
  const fh = await fs.promises.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
