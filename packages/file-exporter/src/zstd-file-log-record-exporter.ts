import { globalErrorHandler } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import {
  emptySubstitutionCounts,
  encodeLogsDataLine,
  normalizeLogRecords,
} from '@spillway/record-format';
import {
  type ComponentMetrics,
  classCountsOf,
  DropCounter,
  UNKNOWN_CLASS,
} from '@spillway/self-metrics';
import { DEFAULT_FRAME_BYTES } from './compressed-file-writer';
import { sanitizeServiceName } from './compressed-files';
import { registerExporterMetrics } from './internal/exporter-metrics';
import { type FrameBuffer, FrameBufferPool } from './internal/frame-buffer';
import { checkEncryptionOptions } from './internal/frame-cipher';
import { ChainHasher } from './internal/hash-chain';
import { DAY_MS, RotatingFile } from './internal/rotating-file';
import { emptyMetadata, mergeMetadata, metadataOfRecords } from './record-metadata';
import type {
  LinesMetadata,
  ZstdFileDropReason,
  ZstdFileExporterOptions,
  ZstdFileExporterStats,
} from './types';

// ExportResultCode values, identical on the OTel 2.x and 3.x lines (a type-only import keeps the
// library free of a runtime dependency on one line's enum object).
const SUCCESS = 0;
const FAILED = 1;
type ExportResult = { code: number; error?: Error };

interface FrameJob {
  /** Created at the first line: an idle exporter holds no frame buffer. */
  frame: FrameBuffer | undefined;
  bytes: number;
  lines: number;
  meta: LinesMetadata;
  /** Its records by severity class, counted under `dropped` if the frame is lost. */
  classes: Float64Array;
}

// Registered symbol: two copies of this class (ESM and CJS builds, a bundled copy) share it.
const BRAND = Symbol.for('@spillway/file-exporter.ZstdFileLogRecordExporter');

/**
 * True for a {@link ZstdFileLogRecordExporter} of any copy of this package, where `instanceof`
 * answers only for the copy it was imported from. How the router finds the file exporters it can
 * replay from.
 */
export function isZstdFileLogRecordExporter(value: unknown): value is ZstdFileLogRecordExporter {
  return typeof value === 'object' && value !== null && BRAND in value;
}

/**
 * Frames' worth of cut raw bytes that may wait for compression and the disk before `export()`
 * holds its callback back until they are written. One: a frame compresses in tens of ms, so one
 * frame in the writer while the next fills keeps the disk busy, and each frame more that waits is
 * `frameBytes` of memory more (four cost ~10 MiB of peak RSS at 20,000 records/s with the
 * collector down, bench/node/pino-anchor.bench.mjs). Behind a disk buffer a held callback leaves
 * the records in its WAL, where they are durable anyway.
 */
const MAX_QUEUED_FRAMES = 1;

/**
 * A `LogRecordExporter` that writes records to zstd-compressed OTLP/JSON files (FORMAT.md) with a
 * frame index, rotation and retention: the local fallback when no collector is reachable, and a
 * format `zstd -dc f.zst | jq` and the Collector's `otlpjsonfile` receiver read.
 *
 * `export()` encodes the batch as one OTLP/JSON line and calls back SUCCESS once it is in the
 * current frame (in memory); a frame is compressed (off the event loop) and written when it
 * reaches `frameBytes`, `flushIntervalMillis` after its first record, or on `forceFlush()`, which
 * also fsyncs: a resolved `forceFlush()` means every record exported before it is durable. When
 * more than one frame's bytes wait to be written, `export()` calls back only once they are.
 * Records that cannot be written are counted by reason in {@link getStats}, errors go to the
 * OTel global error handler; nothing throws into the caller.
 */
export class ZstdFileLogRecordExporter implements LogRecordExporter {
  readonly [BRAND] = true;
  /** The directory the files go to (as given). */
  readonly directory: string;
  private readonly frameBytes: number;
  private readonly flushMs: number;
  private readonly minFreeBytes: number;
  private readonly file: RotatingFile;
  private readonly now: () => number;
  private service: string | undefined;
  private job: FrameJob = newJob();
  private readonly buffers: FrameBufferPool;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private tail: Promise<void> = Promise.resolve();
  private queuedBytes = 0;
  private queuedRecords = 0;
  private shutdownOnce: Promise<void> | undefined;
  private readonly drops = new DropCounter<ZstdFileDropReason>([
    'disk_full',
    'io_error',
    'shutdown',
  ]);
  private readonly metrics: ComponentMetrics;
  private readonly stats: Pick<
    ZstdFileExporterStats,
    'recordsWritten' | 'framesWritten' | 'bytesRaw' | 'bytesOnDisk' | 'substitutedValues'
  > = {
    recordsWritten: 0,
    framesWritten: 0,
    bytesRaw: 0,
    bytesOnDisk: 0,
    substitutedValues: emptySubstitutionCounts(),
  };

  constructor(options: ZstdFileExporterOptions) {
    this.directory = options.directory;
    this.service =
      options.serviceName === undefined ? undefined : sanitizeServiceName(options.serviceName);
    this.frameBytes = options.frameBytes ?? DEFAULT_FRAME_BYTES;
    this.flushMs = options.flushIntervalMillis ?? 1000;
    this.minFreeBytes = options.minFreeBytes ?? 64 * 1024 * 1024;
    // Bad keys fail here, at construction, not at the first export.
    if (options.encryption) checkEncryptionOptions(options.encryption, true);
    const chain = options.chain === true ? {} : options.chain || undefined;
    this.file = new RotatingFile({
      directory: this.directory,
      frameBytes: this.frameBytes,
      level: options.level,
      rotateBytes: options.rotate?.maxBytes ?? 64 * 1024 * 1024,
      daily: options.rotate?.daily ?? true,
      policy: {
        maxAgeMs: options.retention?.maxAgeMillis ?? (options.retention?.maxAgeDays ?? 7) * DAY_MS,
        maxTotalBytes: options.retention?.maxTotalBytes ?? 1024 * 1024 * 1024,
        minFreeBytes: this.minFreeBytes,
      },
      sealing: {
        ...(options.encryption ? { encryption: options.encryption } : {}),
        ...(chain ? { chain } : {}),
      },
      hasher: chain ? new ChainHasher(chain.key) : undefined,
    });
    this.buffers = new FrameBufferPool(this.frameBytes);
    this.now = options.now ?? Date.now;
    this.metrics = registerExporterMetrics(options.meterProvider, () => this.getStats());
  }

  /** Appends the batch to the current frame; see the class documentation for when it is durable. */
  export(input: ReadableLogRecord[], resultCallback: (result: ExportResult) => void): void {
    // Normalised first (record-format): the service name, the line and the index metadata all
    // read fields a hostile record could not give back.
    const records = normalizeLogRecords(input, this.stats.substitutedValues);
    if (this.shutdownOnce) {
      this.drops.addRecords('shutdown', records);
      resultCallback({ code: FAILED, error: new Error('ZstdFileLogRecordExporter is shut down') });
      return;
    }
    if (records.length === 0) {
      resultCallback({ code: SUCCESS });
      return;
    }
    let line: string;
    let meta: LinesMetadata;
    try {
      this.service ??= sanitizeServiceName(
        String(records[0]!.resource.attributes['service.name'] ?? 'unknown_service'),
      );
      line = `${encodeLogsDataLine(records, this.stats.substitutedValues)}\n`;
      meta = metadataOfRecords(records);
    } catch (err) {
      resultCallback({ code: FAILED, error: err as Error });
      return;
    }
    if (this.job.frame && !this.job.frame.fits(line)) this.cut();
    this.job.frame ??= this.buffers.take(Buffer.byteLength(line, 'utf8'));
    this.job.bytes += this.job.frame.append(line);
    this.job.lines++;
    mergeMetadata(this.job.meta, meta);
    classCountsOf(records, this.job.classes);
    if (this.job.bytes >= this.frameBytes) this.cut();
    else this.timer ??= unref(setTimeout(() => this.cut(), this.flushMs));
    if (this.queuedBytes > MAX_QUEUED_FRAMES * this.frameBytes) {
      void this.tail.then(() => resultCallback({ code: SUCCESS }));
    } else {
      resultCallback({ code: SUCCESS });
    }
  }

  /** Writes every record exported so far and fsyncs the file. Never rejects. */
  async forceFlush(): Promise<void> {
    this.cut();
    await this.tail;
    try {
      await this.file.sync();
    } catch (err) {
      globalErrorHandler(err as Error);
    }
  }

  /** Flushes, closes the file and stops the timer. Idempotent; later exports fail (counted). */
  shutdown(): Promise<void> {
    this.shutdownOnce ??= (async () => {
      await this.forceFlush();
      await this.file.close();
      this.metrics.shutdown();
    })();
    return this.shutdownOnce;
  }

  /**
   * Writes out the pending frame and closes the current file (fsynced), so that every record
   * exported before the call is in a closed file; the next record opens a new one. Replay uses it
   * to hand over everything written so far. Never rejects.
   */
  async rotate(): Promise<void> {
    this.cut();
    this.tail = this.tail.then(() => this.file.close());
    await this.tail;
  }

  /** Counters since construction (a copy). */
  getStats(): ZstdFileExporterStats {
    const { recordsWritten, framesWritten, bytesRaw, bytesOnDisk } = this.stats;
    return {
      recordsWritten,
      recordsPending: this.job.meta.records + this.queuedRecords,
      framesWritten,
      filesWritten: this.file.filesWritten,
      bytesRaw,
      bytesOnDisk,
      substitutedValues: { ...this.stats.substitutedValues },
      deleted: structuredClone(this.file.deleted),
      dropped: this.drops.snapshot(),
    };
  }

  /** The file being written, if any (for tests and tools). */
  get currentFile(): string | undefined {
    return this.file.path;
  }

  private cut(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.job.bytes === 0) return;
    const job = this.job;
    this.job = newJob();
    this.queuedBytes += job.bytes;
    this.queuedRecords += job.meta.records;
    this.tail = this.tail.then(async () => {
      try {
        await this.writeFrame(job);
      } catch (err) {
        this.drops.addCounts('io_error', job.classes);
        globalErrorHandler(err as Error);
        await this.file.close();
      } finally {
        // The frame is written (or dropped): the writer holds no reference to its buffer.
        this.buffers.give(job.frame);
        this.queuedBytes -= job.bytes;
        this.queuedRecords -= job.meta.records;
      }
    });
  }

  private async writeFrame(job: FrameJob): Promise<void> {
    const now = this.now();
    const writer = await this.file.writerAt(now, this.service ?? 'unknown_service');
    if (!(await this.file.hasRoomFor(now, job.bytes))) {
      this.drops.addCounts('disk_full', job.classes);
      globalErrorHandler(
        new Error(
          `${this.directory}: free space below ${this.minFreeBytes} bytes: ${job.meta.records} records dropped`,
        ),
      );
      return;
    }
    const before = writer.bytesOnDisk;
    writer.appendLines(job.frame!.contents(), { ...job.meta, lines: job.lines });
    await writer.cutFrame();
    this.stats.recordsWritten += job.meta.records;
    this.stats.framesWritten++;
    this.stats.bytesRaw += job.bytes;
    this.stats.bytesOnDisk += writer.bytesOnDisk - before;
    await this.file.rotateIfFull();
  }
}

function newJob(): FrameJob {
  return {
    frame: undefined,
    bytes: 0,
    lines: 0,
    meta: emptyMetadata(),
    classes: new Float64Array(UNKNOWN_CLASS + 1),
  };
}

function unref<T>(t: T): T {
  (t as { unref?: () => void }).unref?.();
  return t;
}
