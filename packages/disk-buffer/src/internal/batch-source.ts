import * as fs from 'node:fs';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { SyncFrameCipher } from '@spillway/file-exporter';
import { StoredBatch, type StoredPart } from '../stored-batch';
import type { Counters } from './counters';
import type { FileDeleter } from './file-deleter';
import type { FileHolds } from './file-holds';
import { FrameReader } from './frame-reader';
import type { Ledger, LedgerEntry, SpillEntry, WalEntry } from './ledger';
import { scanPayload } from './payload-scan';
import type { ReadPosition } from './read-position';
import type { RecentFrames } from './recent-frames';
import { BatchDecoder } from './record-decoder';
import { countSeverities, emptyCounts, type SeverityCounts } from './severity-counts';
import { SEGMENT_HEADER_BYTES } from './wal-format';

/*
 * The reading half of the sender (the delivery loop is in sender.ts): owns the read position and
 * the open file, and turns the file at the position into the next batch. WAL segments are read
 * frame by frame (FrameReader) and scanned, not decoded (payload-scan.ts), except frames still
 * held in memory (RecentFrames, recent-frames.ts), which are taken with their records; spill files
 * through a SpillCursor. When a closed file is fully read it is deleted (FileDeleter) and the
 * position moves to the next seq.
 * A WAL batch is a StoredBatch (stored-batch.ts): the plaintext payloads of its frames, the held
 * ones as kept, the read ones as views of the reader's chunks. Its records are decoded only when
 * the downstream asks for them; the scan gives what the sender needs meanwhile (count, severity
 * classes, oldest time) and refuses a damaged frame here, where the decode would have.
 */

/** Batches of records out of a spill file, after the first `skip` records. */
export interface SpillCursor {
  next(maxRecords: number): Promise<ReadableLogRecord[] | null>;
  close(): Promise<void>;
}

export interface Batch {
  /** Records in the batch. */
  count: number;
  /** Of them, per severity class. */
  severities: SeverityCounts;
  /** A WAL batch: its stored payloads, decoded on demand. */
  stored?: StoredBatch;
  /** A spill batch: its records. */
  records?: ReadableLogRecord[];
  entry: LedgerEntry;
  /** Position after the batch. */
  end: number;
}

/** The records of `batch` (decoding a WAL batch's payloads on the first call). */
export function recordsOf(batch: Pick<Batch, 'records' | 'stored'>): ReadableLogRecord[] {
  return batch.records ?? batch.stored?.records() ?? [];
}

export interface BatchSourceOptions {
  ledger: Ledger;
  counters: Counters;
  holds: FileHolds;
  /** Deletes a file once delivered, given up, or gone underneath. */
  files: FileDeleter;
  maxBatchRecords: number;
  openSpill: (entry: SpillEntry, skip: number) => Promise<SpillCursor>;
  /** Records of `entry` not yet done, with their severities: counted when a file is lost. */
  undelivered: (entry: LedgerEntry) => [number, SeverityCounts | undefined];
  /** Parks the loop until there is new data (or it is stopped). */
  waitForData: () => Promise<void>;
  /** Makes what was delivered durable downstream, before a delivered file is deleted. */
  flushDownstream: () => Promise<void>;
  /** Frames just appended, held in memory: delivered from there when the position reaches them. */
  recent?: RecentFrames;
  /** Keys for encrypted frames. */
  cipher?: SyncFrameCipher | undefined;
}

/** Encoded bytes above which the sender stops merging WAL frames into one export. */
const MAX_BATCH_BYTES = 1024 * 1024;

export class BatchSource {
  private walReader:
    | { seq: number; path: string; fh: fs.promises.FileHandle; reader: FrameReader }
    | undefined;
  private spill: { seq: number; cursor: SpillCursor } | undefined;
  private readonly decoder = new BatchDecoder();
  /** Inside `next()`: the open file is in use. */
  private busy = false;
  /** Closed for good: a file opened after this is closed at once. */
  private shut = false;

  constructor(
    private readonly o: BatchSourceOptions,
    readonly pos: ReadPosition,
  ) {}

  /** The next batch, or undefined after waiting (for data, a scan, or a file switch). */
  async next(): Promise<Batch | undefined> {
    this.busy = true;
    try {
      return await this.step();
    } finally {
      this.busy = false;
    }
  }

  /**
   * The file of `seq` was evicted: close it now unless a read is under way (that read stops at
   * its next frame and the file is closed then), so that its blocks are freed while the batch
   * already read is being retried downstream.
   */
  release(seq: number): void {
    if (this.busy) return;
    if (this.walReader?.seq === seq || this.spill?.seq === seq) {
      this.closeReaders().catch((err) => this.o.counters.error(err));
    }
  }

  private async step(): Promise<Batch | undefined> {
    const entry = this.o.ledger.atOrAfter(this.pos.seq);
    if (entry === undefined) {
      await this.o.waitForData();
      return undefined;
    }
    if (entry.seq !== this.pos.seq) {
      // Claim the seq before any await: the spiller never converts a seq the sender has reached.
      this.pos.claimed(entry.seq, entry.kind === 'wal' ? SEGMENT_HEADER_BYTES : 0);
      await this.closeReaders();
      return undefined;
    }
    if (entry.evicted) {
      // The evictor deleted it and counted what it held.
      await this.closeReaders();
      this.claimNext(entry);
      return undefined;
    }
    if (entry.kind === 'spill') return this.spillBatch(entry);
    return this.walBatch(entry);
  }

  private async walBatch(entry: WalEntry): Promise<Batch | undefined> {
    if (entry.scanned) await entry.scanned;
    // Held by its scan (it cannot be decrypted): left alone, never read nor deleted.
    if (this.o.ledger.get(entry.seq) !== entry) return undefined;
    const parts: StoredPart[] = [];
    const severities = emptyCounts();
    let count = 0;
    const recovered = entry.scanned !== undefined;
    let at = this.pos.offset;
    let bytes = 0;
    // Frames are merged up to a record count and a size: large bodies must not add up to a request
    // over a collector's message limit (gRPC's default is 4 MiB).
    while (count < this.o.maxBatchRecords && bytes < MAX_BATCH_BYTES && !entry.evicted) {
      if (at >= entry.written) break;
      // The frame just appended, still in memory: its records, without a read or a decode.
      const held = this.o.recent?.take(entry.seq, at, entry.written);
      if (held !== undefined) {
        parts.push({ payload: held.payload, records: held.records });
        count += held.records.length;
        countSeverities(held.records, severities);
        bytes += held.bytes;
        at = held.end;
        this.o.counters.fromMemory += held.records.length;
        continue;
      }
      const reader = await this.openWal(entry);
      if (reader === undefined) return undefined;
      reader.pos = at;
      const r = await reader.next(entry.written);
      at = reader.pos;
      if (r === null) break;
      if (r.kind === 'incomplete') {
        // Only a closed file can end in a torn frame (the scan already cut recovered ones).
        if (entry.closed) at = entry.written;
        break;
      }
      if (r.kind === 'corrupt') {
        // A recovered file's damage was counted by its scan.
        if (!recovered) {
          this.o.counters.corruptFrames++;
          this.o.counters.drop('corrupt', r.records);
        }
        continue;
      }
      if (r.kind === 'undecryptable') {
        // Recovered files with such frames are held by their scan; here the frame was altered
        // (checksum recomputed) since this run wrote it: its records are lost, counted.
        this.o.counters.corruptFrames++;
        this.o.counters.drop('corrupt', r.header.count);
        this.o.counters.error(new Error(`${entry.path}: ${r.reason}`));
        continue;
      }
      bytes += r.payload.length;
      try {
        const { count: n, oldestMs } = scanPayload(r.payload, severities);
        count += n;
        // A view of the reader's chunk, which no later read overwrites: kept as it is (a copy
        // would allocate as much again, and each MiB of ArrayBuffers brings V8's next full
        // collection of the app's heap nearer).
        parts.push({ payload: r.payload, oldestMs });
      } catch (err) {
        this.o.counters.corruptFrames++;
        this.o.counters.drop('corrupt', r.header.count);
        this.o.counters.error(err);
      }
    }
    // Evicted while we read: the evictor counted these records as lost; do not also deliver them.
    if (entry.evicted) return undefined;
    if (count > 0 || at > this.pos.offset) {
      const stored = count > 0 ? new StoredBatch(parts, count, this.decoder) : undefined;
      return { count, severities, stored, entry, end: at };
    }
    if (entry.closed && at >= entry.written) {
      await this.finishFile(entry, 'delivered');
      return undefined;
    }
    await this.o.waitForData();
    return undefined;
  }

  /**
   * The reader of `entry`'s file, opened on first need (frames delivered from memory need none).
   * Undefined when the file is gone: evicted or spilled meanwhile, or deleted underneath (its
   * undelivered records counted as lost).
   */
  private async openWal(entry: WalEntry): Promise<FrameReader | undefined> {
    if (this.walReader?.seq === entry.seq) return this.walReader.reader;
    await this.closeReaders();
    let fh: fs.promises.FileHandle;
    try {
      fh = await fs.promises.open(entry.path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      if (this.o.ledger.get(entry.seq) !== entry) return undefined; // evicted or spilled meanwhile
      this.o.counters.drop('corrupt', ...this.o.undelivered(entry));
      this.o.counters.error(err);
      this.o.files.lost(entry);
      return undefined;
    }
    if (this.shut) {
      await fh.close();
      return undefined;
    }
    this.o.holds.hold(entry.path);
    const reader = new FrameReader(fh, this.pos.offset, {
      cipher: this.o.cipher,
      encrypted: entry.encrypted,
    });
    this.walReader = { seq: entry.seq, path: entry.path, fh, reader };
    return reader;
  }

  private async spillBatch(entry: SpillEntry): Promise<Batch | undefined> {
    if (entry.scanned) await entry.scanned;
    if (this.o.ledger.get(entry.seq) !== entry) return undefined; // held by its scan
    if (this.spill?.seq !== entry.seq) {
      await this.closeReaders();
      try {
        const cursor = await this.o.openSpill(entry, this.pos.offset);
        if (this.shut) {
          await cursor.close();
          return undefined;
        }
        this.spill = { seq: entry.seq, cursor };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        if (this.o.ledger.get(entry.seq) !== entry) return undefined;
        this.o.counters.drop('corrupt', ...this.o.undelivered(entry));
        this.o.counters.error(err);
        this.o.files.lost(entry);
        return undefined;
      }
    }
    const records = await this.spill.cursor.next(this.o.maxBatchRecords);
    if (entry.evicted) return undefined;
    if (records === null) {
      await this.finishFile(entry, 'delivered');
      return undefined;
    }
    return {
      count: records.length,
      severities: countSeverities(records),
      records,
      entry,
      end: this.pos.offset + records.length,
    };
  }

  /** Drops the current file after repeated read failures, counting what it still held. */
  async giveUp(): Promise<void> {
    const entry = this.o.ledger.get(this.pos.seq);
    if (entry === undefined) return;
    this.o.counters.drop('corrupt', ...this.o.undelivered(entry));
    await this.finishFile(entry, 'gaveUp');
  }

  /** Deletes a finished file (unless evicted: the evictor deleted it) and moves to the next seq. */
  private async finishFile(entry: LedgerEntry, why: 'delivered' | 'gaveUp'): Promise<void> {
    await this.closeReaders();
    if (!entry.evicted) await this.o.flushDownstream();
    this.o.files[why](entry);
    this.claimNext(entry);
  }

  /**
   * Claims the seq after `entry` now, at the start of whatever kind of file it is (a seq not
   * created yet will be a WAL segment: only the writer creates seqs, and a claimed seq is never
   * spilled).
   */
  private claimNext(entry: LedgerEntry): void {
    const next = this.o.ledger.get(entry.seq + 1);
    this.pos.claimed(entry.seq + 1, next?.kind === 'spill' ? 0 : SEGMENT_HEADER_BYTES);
  }

  async closeReaders(): Promise<void> {
    const w = this.walReader;
    this.walReader = undefined;
    const s = this.spill;
    this.spill = undefined;
    try {
      if (w) await w.fh.close().finally(() => this.o.holds.release(w.path));
    } finally {
      await s?.cursor.close();
    }
  }

  /** Closes the open file; any file an in-flight step opens later is closed at once. */
  async close(): Promise<void> {
    this.shut = true;
    await this.closeReaders();
  }
}
