import type { MeterProvider } from '@opentelemetry/api';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { FsyncPolicy } from '@spillway/config';
import type { EncryptionOptions } from '@spillway/file-exporter';
import type { SubstitutionCounts } from '@spillway/record-format';
import type { DropCounts, LastError } from '@spillway/self-metrics';

// One definition, owned by @spillway/config with the SPILLWAY_FSYNC parser that yields it.
export type { FsyncPolicy };

/** Which records are lost when the disk cap or the free-space floor is reached. */
export type WhenFull = 'drop_oldest' | 'drop_newest';

/** Retry schedule of the sender: exponential backoff with jitter, capped. */
export interface RetryOptions {
  /** First delay after a failed export. Default 500 ms. */
  initialMillis?: number;
  /** Longest delay. Default 30 000 ms. */
  maxMillis?: number;
  /** Growth per failed attempt. Default 2. */
  multiplier?: number;
  /** ± share of each delay randomised, 0–1. Default 0.2. */
  jitter?: number;
}

/** Options of `DiskBufferedLogRecordExporter`. */
export interface DiskBufferOptions {
  /** Where records go after the WAL (any exporter, e.g. OTLP gRPC). */
  exporter: LogRecordExporter;
  /** The buffer directory (created 0700). One process at a time (lock file). (`SPILLWAY_DIR` in @spillway/node; the buffer reads no environment.) */
  directory?: string;
  /** Durability of an acknowledged export. Default `{ intervalMillis: 200 }`. (`SPILLWAY_FSYNC` in @spillway/node; the buffer reads no environment.) */
  fsync?: FsyncPolicy;
  /** Cap for all files under `directory`. Default 1 GiB. (`SPILLWAY_MAX_DISK_BYTES` in @spillway/node; the buffer reads no environment.) */
  maxDiskBytes?: number;
  /** Free space the buffer always leaves on the file system (statfs). Default 64 MiB. (`SPILLWAY_MIN_FREE_BYTES` in @spillway/node; the buffer reads no environment.) */
  minFreeBytes?: number;
  /** WAL segment size. Default 16 MiB (at most maxDiskBytes / 8). */
  segmentBytes?: number;
  /** Policy at the cap. Default `'drop_oldest'`. */
  whenFull?: WhenFull;
  /** Undelivered WAL bytes above which closed segments are compressed to spill files. Default 64 MiB. */
  spillAfterBytes?: number;
  /** Sender retry schedule. */
  retry?: RetryOptions;
  /** Per downstream export attempt. Default 30 000 ms. */
  exportTimeoutMillis?: number;
  /** Time `shutdown()` spends trying to deliver the backlog. Default 10 000 ms. */
  shutdownTimeoutMillis?: number;
  /** Records older than this (by timestamp) when sent are dropped and counted `expired`. Default: none. */
  maxRecordAgeMillis?: number;
  /** Most records per downstream export. Default 512. */
  maxExportBatchSize?: number;
  /**
   * Stamp each record with a unique `log.record.uid` attribute at append, so a backend can
   * deduplicate redeliveries. Default false.
   */
  recordUid?: boolean;
  /**
   * Where the buffer's self-metrics go (`otel.sdk.exporter.log.*`, `spillway.wal.*`,
   * `spillway.log_record.dropped`). Default: the global MeterProvider.
   */
  meterProvider?: MeterProvider;
  /** The service name used in spill file names. Default: `service.name` of the first record. */
  serviceName?: string;
  /**
   * Encrypt every WAL frame (AES-256-GCM, FORMAT.md "Encrypted frames") and every spill file
   * (the file exporter's encrypted frames) with `activeKeyId`; read with any key listed, so keep
   * a rotated-out key until no file it wrote is left. Old plain segments are still read. A frame
   * of a previous run that no key decrypts leaves its segment untouched (README, "Encryption at
   * rest"). Default: off. (`SPILLWAY_ENCRYPTION_KEY_FILE` in @spillway/node.)
   */
  encryption?: EncryptionOptions;
}

/** The same as {@link DiskBufferOptions}, named after the class. */
export type DiskBufferedLogRecordExporterOptions = DiskBufferOptions;

/**
 * Why a record was not delivered: `disk_full` = lost to the disk cap or the free-space floor
 * (`whenFull`), or to a WAL write that found the disk or quota full (ENOSPC, EDQUOT); `io_error` =
 * lost to any other failed WAL write, sync or segment creation (EIO, EROFS…: a failing disk, not a
 * full one); `corrupt` = in frames that failed their checksum or did not decode, or in files
 * deleted underneath; `expired` = older than `maxRecordAgeMillis` when sent.
 */
export type DiskBufferDropReason = 'disk_full' | 'io_error' | 'corrupt' | 'expired';

/** Records not delivered, by reason, each by severity class (`unknown`: lost undecoded). */
export type DiskBufferDrops = DropCounts<DiskBufferDropReason>;

/**
 * A snapshot from `getStats()`. Reconciles as records given to `export`/`exportSync` =
 * `recordsDelivered + recordsPending + dropped.{disk_full,io_error,corrupt,expired}.total` (a
 * record redelivered after a crash counts once more). `recordsAccepted` leaves out the records
 * refused (at the cap, or lost to a failed write or sync: `export` calls back FAILED), which are
 * in `dropped`; with none refused, `recordsAccepted` is that sum.
 */
export interface DiskBufferStats {
  /** Records accepted and not yet delivered or dropped (WAL and spill). */
  recordsPending: number;
  /** Bytes of the files holding them. */
  bytesPending: number;
  walRecords: number;
  walBytes: number;
  spillRecords: number;
  spillBytes: number;
  /**
   * Records accepted by `export`/`exportSync` and made durable (not those refused at the cap or
   * lost to a failed write or sync).
   */
  recordsAccepted: number;
  /** Records the downstream exporter acknowledged. */
  recordsDelivered: number;
  /** Failed downstream attempts that were retried. */
  retries: number;
  /**
   * Records the sender took from memory rather than reading the WAL back: their frame had just
   * been appended and was still held (the collector keeping up). The others are read from the WAL
   * (after a restart, an outage past the memory bound, a spilled file, under `recordUid`).
   */
  recordsFromMemory: number;
  /**
   * Records not delivered, by reason and severity class. `unknown`: lost without being decoded
   * (damaged frames, files of a previous run evicted or deleted before they were read).
   */
  dropped: DiskBufferDrops;
  /**
   * Damaged frames skipped (their records are in `dropped.corrupt`), and encrypted frames of a
   * previous run that the keys given cannot decrypt (their files are kept: `skippedFiles`).
   */
  corruptFrames: number;
  /** Bytes cut from torn tails at recovery (never acknowledged under `fsync: 'always'`). */
  truncatedBytes: number;
  /**
   * Files under the directory the buffer left alone, each warned about once: a segment of an
   * unknown format version (a newer release wrote it), a segment or spill file of a previous run
   * that the keys given cannot decrypt (delivered by a start with the key), or a directory or
   * other non-regular file under a name the buffer uses (moved aside when it is `lock` or
   * `checkpoint`).
   */
  skippedFiles: number;
  /** Bytes of every file under the directory that the buffer owns. */
  diskBytes: number;
  /** True while the backlog of a previous run is being verified. */
  recovering: boolean;
  /** The last downstream or disk error, if any. */
  lastError: LastError | undefined;
  /**
   * Values replaced when exported records were normalised (a cycle, a value nested too deep or
   * unreadable, a number out of range, a non-string text…), by kind: README, "Guarantees".
   */
  substitutedValues: SubstitutionCounts;
}

/** Options of {@link SlottedDiskBufferedLogRecordExporter}: a buffer's, over a root directory. */
export interface SlottedDiskBufferOptions extends Omit<DiskBufferOptions, 'directory'> {
  /**
   * The root shared by every process of the service: slot 0 is the root itself (the layout of a
   * single buffer), slot n ≥ 1 is `<directory>/<n>/`.
   */
  directory: string;
  /** Slots tried before giving up (then `onUnavailable`). Default 64. */
  maxSlots?: number;
  /**
   * Called once when no slot can be used (every slot held by a live process, a read-only or
   * unwritable directory): records then go straight to the exporter, without a WAL.
   */
  onUnavailable?: (err: Error) => void;
}
