import { type FileHandle, open, rm } from 'node:fs/promises';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { encodeLogsDataLine } from '@spillway/record-format';
import { countLines, type FrameBuffer, FrameBufferPool } from './internal/frame-buffer';
import { FrameSealer } from './internal/frame-sealer';
import { encodeIndexEntry, encodeIndexHeader, INDEX_HEADER_BYTES } from './internal/index-file';
import { buildTraceFilter } from './internal/trace-filter';
import { emptyMetadata, mergeMetadata, metadataOfRecords } from './record-metadata';
import type { CompressedFileWriterOptions, FrameInfo, LinesMetadata } from './types';
import { DEFAULT_ZSTD_LEVEL, zstdCompress } from './zstd-codec';

/**
 * Default raw bytes per frame: 4 MiB. A frame's raw bytes are held in memory until it is
 * compressed, and up to four cut frames may wait for the disk, so the frame size sets the
 * exporter's memory (with 16 MiB frames, 34–51 MiB of buffers at the peak of a 200,000-record
 * outage replay; with 4 MiB, 20). zstd's level-3 window is 2 MiB, so frames beyond a few MiB gain
 * little: split at 4 MiB the benchmark corpus compresses to 1.016× of one `zstd -3` over the
 * whole file (16 MiB: 1.004×, 1 MiB: 1.07×).
 */
export const DEFAULT_FRAME_BYTES = 4 * 1024 * 1024;

/**
 * Writes one compressed file (see FORMAT.md): OTLP/JSON lines go into the current frame; a frame is
 * cut when it holds `frameBytes` raw bytes or on {@link cutFrame}, compressed on the libuv
 * threadpool (never on the event loop) and appended as header + zstd data frame, followed by its
 * entry in the `.idx` sidecar. Frames are written in the order they were cut.
 *
 * Use it directly when you own the file's lifecycle (the disk buffer's spill does); use
 * {@link ZstdFileLogRecordExporter} to get naming, rotation and retention. Not safe for two writers
 * on one path. After a crash the file holds every frame whose write completed, and at most one torn
 * frame at its end, which readers skip and report.
 */
export class CompressedFileWriter {
  /** Sealed parts of the pending frame (adopted Buffers, filled FrameBuffers). */
  private parts: Buffer[] = [];
  /** Where strings of the pending frame are encoded. */
  private frame: FrameBuffer | undefined;
  /** FrameBuffers sealed into the pending frame, recycled once it is written. */
  private sealed: FrameBuffer[] = [];
  private readonly buffers: FrameBufferPool;
  private pendingBytes = 0;
  private pendingLines = 0;
  private pendingMeta = emptyMetadata();
  private tail: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  private closed = false;
  private size = 0;
  private indexSize = INDEX_HEADER_BYTES;
  private frames = 0;
  private raw = 0;
  private records = 0;
  private queued = 0;
  private chainLink: Buffer | undefined;

  private constructor(
    /** Path of the .zst file. */
    readonly path: string,
    private readonly fh: FileHandle,
    private readonly idx: FileHandle,
    private readonly frameBytes: number,
    private readonly level: number,
    private readonly sealer: FrameSealer,
  ) {
    this.buffers = new FrameBufferPool(frameBytes);
  }

  /**
   * Creates the file at `path` (which must not exist) and its `<path>.idx` sidecar, both with mode
   * 0600 by default.
   */
  static async create(
    path: string,
    options: CompressedFileWriterOptions = {},
  ): Promise<CompressedFileWriter> {
    const mode = options.mode ?? 0o600;
    // Checks the encryption and chain options before any file exists.
    const sealer = new FrameSealer(options);
    const fh = await open(path, 'wx', mode);
    let idx: FileHandle | undefined;
    try {
      idx = await open(`${path}.idx`, 'w', mode);
      await idx.write(encodeIndexHeader(), 0, INDEX_HEADER_BYTES, 0);
    } catch (err) {
      // A full disk fails the index header write: remove both files rather than leave an empty
      // pair behind (this call created them: `wx` refused an existing path).
      await Promise.allSettled([fh.close(), idx?.close()]);
      await Promise.allSettled([rm(path, { force: true }), rm(`${path}.idx`, { force: true })]);
      throw err;
    }
    const frameBytes = options.frameBytes ?? DEFAULT_FRAME_BYTES;
    const level = options.level ?? DEFAULT_ZSTD_LEVEL;
    return new CompressedFileWriter(path, fh, idx, frameBytes, level, sealer);
  }

  /** Bytes of the .zst file written so far (frames still compressing not included). */
  get bytesOnDisk(): number {
    return this.size;
  }
  /** Raw bytes of the frames written so far. */
  get bytesRaw(): number {
    return this.raw;
  }
  /** Frames written so far. */
  get framesWritten(): number {
    return this.frames;
  }
  /** Records in the frames written so far. */
  get recordsWritten(): number {
    return this.records;
  }
  /** With `chain`: the link of the last frame written (pass it as the next file's `previousLink`). */
  get lastChainLink(): Buffer | undefined {
    return this.chainLink;
  }
  /** Raw bytes appended but not yet in a frame. */
  get bytesPending(): number {
    return this.pendingBytes;
  }
  /** Raw bytes of frames cut but not yet written (compressing or queued). */
  get bytesQueued(): number {
    return this.queued;
  }

  /**
   * Appends `records` as one OTLP/JSON `LogsData` line. Cuts a frame (asynchronously) when the
   * frame reaches `frameBytes`. Throws if the writer is closed or a previous write failed.
   */
  appendRecords(records: ReadonlyArray<ReadableLogRecord>): void {
    if (records.length === 0) return;
    this.check();
    this.append(`${encodeLogsDataLine(records)}\n`, 1, metadataOfRecords(records));
  }

  /**
   * Appends pre-encoded OTLP/JSON lines — complete lines, each ending with `\n` — with their
   * metadata (see `metadataOfRecords`/`metadataOfLogsData`; `meta.lines` saves counting them).
   * All lines given in one call stay in one frame; a Buffer is kept as is, not copied.
   */
  appendLines(lines: string | Buffer, meta: LinesMetadata & { lines?: number }): void {
    this.check();
    if (lines.length === 0) return;
    const last =
      typeof lines === 'string' ? lines.charCodeAt(lines.length - 1) : lines[lines.length - 1];
    if (last !== 0x0a) throw new Error(`${this.path}: lines must end with "\\n"`);
    this.append(lines, meta.lines ?? countLines(lines), meta);
  }

  private append(text: string | Buffer, lines: number, meta: LinesMetadata): void {
    if (typeof text === 'string') {
      if (this.frame && !this.frame.fits(text)) this.seal();
      this.frame ??= this.buffers.take(Buffer.byteLength(text, 'utf8'));
      this.pendingBytes += this.frame.append(text);
    } else {
      this.seal();
      this.parts.push(text);
      this.pendingBytes += text.length;
    }
    this.pendingLines += lines;
    mergeMetadata(this.pendingMeta, meta);
    if (this.pendingBytes >= this.frameBytes) void this.cutFrame().catch(() => {});
  }

  private seal(): void {
    if (this.frame && this.frame.bytes > 0) {
      this.parts.push(this.frame.contents());
      this.sealed.push(this.frame);
    }
    this.frame = undefined;
  }

  /**
   * Cuts the pending lines into a frame now (no-op when none) and resolves when every frame cut so
   * far is written (not fsynced: see {@link sync}).
   */
  cutFrame(): Promise<void> {
    if (this.pendingBytes > 0) {
      this.seal();
      const raw = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
      const meta = this.pendingMeta;
      const lines = this.pendingLines;
      const sealed = this.sealed;
      this.sealed = [];
      this.parts = [];
      this.pendingBytes = 0;
      this.pendingLines = 0;
      this.pendingMeta = emptyMetadata();
      this.queued += raw.length;
      // Compression starts now (frames compress in parallel on the threadpool); writes keep order.
      const compressed = zstdCompress(raw, this.level);
      compressed.catch(() => {});
      this.tail = this.tail.then(async () => {
        try {
          // Await compression even after a failure: its input buffer is recycled below.
          const data = await compressed;
          if (!this.failure) await this.writeFrame(data, raw.length, lines, meta);
        } catch (err) {
          this.failure ??= err instanceof Error ? err : new Error(String(err));
        } finally {
          for (const f of sealed) this.buffers.give(f);
          this.queued -= raw.length;
        }
      });
    }
    return this.tail.then(() => {
      if (this.failure) throw this.failure;
    });
  }

  /** Cuts the pending frame, writes it, and fsyncs the file and its index. */
  async sync(): Promise<void> {
    await this.cutFrame();
    await this.fh.sync();
    await this.idx.sync();
  }

  /** {@link sync}, then closes both files. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return this.tail;
    let err: unknown;
    try {
      await this.sync();
    } catch (e) {
      err = e;
    }
    this.closed = true;
    await Promise.allSettled([this.fh.close(), this.idx.close()]);
    if (err) throw err;
  }

  private check(): void {
    if (this.closed) throw new Error(`${this.path}: writer is closed`);
    if (this.failure) throw this.failure;
  }

  private async writeFrame(
    compressed: Buffer,
    rawLength: number,
    lines: number,
    meta: LinesMetadata,
  ): Promise<void> {
    // Plain frames get a version 1 header; encrypted or chained ones a version 2 header.
    const { header, data, checksum, link } = await this.sealer.seal(compressed, {
      ...meta,
      rawLength,
      lines,
    });
    const info: FrameInfo = {
      ...meta,
      frameIndex: this.frames,
      offset: this.size,
      length: header.length + data.length,
      rawLength,
      lines,
      checksum,
    };
    const { bytesWritten } = await this.fh.writev([header, data], this.size);
    if (bytesWritten !== info.length) {
      throw new Error(
        `${this.path}: short write at offset ${this.size}: ${bytesWritten} of ${info.length} bytes`,
      );
    }
    this.size += info.length;
    // The frame is in the file: the next one (or the next file) links to it.
    this.chainLink = link;
    // Built here, off the append path: the ids were collected as the lines' metadata.
    const entry = encodeIndexEntry(info, meta.traceIds && buildTraceFilter(meta.traceIds));
    await this.idx.write(entry, 0, entry.length, this.indexSize);
    this.indexSize += entry.length;
    this.frames++;
    this.raw += rawLength;
    this.records += meta.records;
  }
}
