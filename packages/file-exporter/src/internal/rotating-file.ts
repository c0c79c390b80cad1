import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { globalErrorHandler } from '@opentelemetry/core';
import { CompressedFileWriter } from '../compressed-file-writer';
import { compressedFileName, parseCompressedFileName } from '../compressed-files';
import type { CompressedFileWriterOptions, ZstdFileExporterStats } from '../types';
import { removeStaleIndexTemps } from './frame-table';
import { type ChainHasher, directoryChainTail, recordRetirement } from './hash-chain';
import { type Deletion, enforceRetention, freeBytes, type RetentionPolicy } from './retention';

export const DAY_MS = 86_400_000;
const RETENTION_CHECK_MS = 60_000;

export interface RotatingFileOptions {
  directory: string;
  frameBytes: number;
  level: number | undefined;
  /** A file this large (on disk) is closed after its frame; the next frame opens a new one. */
  rotateBytes: number;
  /** Also close the file at the first frame of a new UTC day. */
  daily: boolean;
  policy: RetentionPolicy;
  sealing: Pick<CompressedFileWriterOptions, 'encryption' | 'chain'>;
  /** With `chain`: links each new file to the last frame of the previous one. */
  hasher: ChainHasher | undefined;
}

/**
 * The file a `ZstdFileLogRecordExporter` writes to: which one is open, when to close it
 * (size, day) and open the next (named after the second it opens in, with a `-<n>` past every file
 * of that second), and retention around it (at each opening, every minute, and before a frame the
 * free space cannot take). It counts the files it opened and retention's deletions.
 */
export class RotatingFile {
  filesWritten = 0;
  readonly deleted: ZstdFileExporterStats['deleted'] = {
    max_age: { files: 0, records: 0, bytes: 0 },
    max_total_bytes: { files: 0, records: 0, bytes: 0 },
    min_free_bytes: { files: 0, records: 0, bytes: 0 },
  };
  private writer: CompressedFileWriter | undefined;
  private writerDay = 0;
  private lastName: { base: string; n: number } | undefined;
  private dirReady: Promise<void> | undefined;
  private lastRetention = Number.NEGATIVE_INFINITY;
  /** With `chain`: the link of the last frame of the previous file (undefined: find it on disk). */
  private chainTail: Buffer | undefined;

  constructor(private readonly o: RotatingFileOptions) {}

  /** The file being written, if any. */
  get path(): string | undefined {
    return this.writer?.path;
  }

  /** Fsyncs the current file, if one is open. */
  async sync(): Promise<void> {
    await this.writer?.sync();
  }

  /** The writer for a frame written at `now`: a new file on a new day or after a close. */
  async writerAt(now: number, service: string): Promise<CompressedFileWriter> {
    if (this.writer && this.o.daily && Math.floor(now / DAY_MS) !== this.writerDay) {
      await this.close();
    }
    if (!this.writer) await this.open(now, service);
    else if (now - this.lastRetention >= RETENTION_CHECK_MS) await this.retain(now, 0);
    return this.writer!;
  }

  /**
   * Whether `bytes` more keep the free space above `minFreeBytes`, after retention has deleted
   * what it may to make room.
   */
  async hasRoomFor(now: number, bytes: number): Promise<boolean> {
    const { minFreeBytes } = this.o.policy;
    if (minFreeBytes <= 0) return true;
    if ((await freeBytes(this.o.directory)) >= minFreeBytes + bytes) return true;
    await this.retain(now, bytes);
    return (await freeBytes(this.o.directory)) >= minFreeBytes + bytes;
  }

  /** Closes the file once it has reached `rotateBytes`. */
  async rotateIfFull(): Promise<void> {
    if (this.writer && this.writer.bytesOnDisk >= this.o.rotateBytes) await this.close();
  }

  /** Closes the current file (fsynced); errors go to the global error handler. */
  async close(): Promise<void> {
    const w = this.writer;
    this.writer = undefined;
    this.chainTail = w?.lastChainLink ?? this.chainTail;
    try {
      await w?.close();
    } catch (err) {
      globalErrorHandler(err as Error);
    }
  }

  private async open(now: number, service: string): Promise<void> {
    const { directory, hasher } = this.o;
    this.dirReady ??= mkdir(directory, { recursive: true, mode: 0o700 }).then(() =>
      removeStaleIndexTemps(directory),
    );
    await this.dirReady;
    const first = await this.nextCounter(service, now);
    if (hasher) this.chainTail ??= await directoryChainTail(directory, service, hasher);
    const { sealing } = this.o;
    const sealed = sealing.chain
      ? { ...sealing, chain: { ...sealing.chain, previousLink: this.chainTail! } }
      : sealing;
    for (let n = first; ; n++) {
      try {
        this.lastName = { base: compressedFileName(service, now), n };
        this.writer = await CompressedFileWriter.create(
          join(directory, compressedFileName(service, now, n)),
          {
            frameBytes: this.o.frameBytes,
            ...(this.o.level === undefined ? {} : { level: this.o.level }),
            ...sealed,
          },
        );
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || n > first + 10_000) throw err;
      }
    }
    this.writerDay = Math.floor(now / DAY_MS);
    this.filesWritten++;
    await this.retain(now, 0);
  }

  /**
   * The `-<n>` counter for a new file in the second `now`: past every file of that second still
   * in the directory and every one this exporter made (retention may have deleted those), so
   * names keep sorting in creation order.
   */
  private async nextCounter(service: string, now: number): Promise<number> {
    const base = compressedFileName(service, now);
    const stamp = base.slice(0, -'.zst'.length);
    let n = this.lastName?.base === base ? this.lastName.n + 1 : 0;
    for (const name of await readdir(this.o.directory)) {
      if (!name.startsWith(stamp) || !name.endsWith('.zst')) continue;
      const parsed = parseCompressedFileName(name);
      if (parsed && compressedFileName(service, parsed.createdAt.getTime()) === base) {
        n = Math.max(n, parsed.n + 1);
      }
    }
    return n;
  }

  private async retain(now: number, needBytes: number): Promise<void> {
    this.lastRetention = now;
    const { hasher } = this.o;
    let deletions: Deletion[];
    try {
      deletions = await enforceRetention(
        this.o.directory,
        this.o.policy,
        now,
        this.writer?.path,
        needBytes,
        hasher && ((path, reason) => recordRetirement(path, reason, hasher)),
      );
    } catch (err) {
      globalErrorHandler(err as Error);
      return;
    }
    for (const d of deletions) {
      const c = this.deleted[d.reason];
      c.files++;
      c.records += d.records;
      c.bytes += d.bytes;
    }
  }
}
