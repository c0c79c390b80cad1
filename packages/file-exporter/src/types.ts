import type { MeterProvider } from '@opentelemetry/api';
import type { SubstitutionCounts } from '@spillway/record-format';
import type { DropCounts } from '@spillway/self-metrics';

/** Index metadata of one or more OTLP/JSON lines: what the frame index records per frame. */
export interface LinesMetadata {
  /** Log records in the lines. */
  records: number;
  /** Smallest record time (timestamp, else observed timestamp), unix nanoseconds; 0n if none. */
  minTimeUnixNano: bigint;
  /** Largest record time, unix nanoseconds; 0n if none. */
  maxTimeUnixNano: bigint;
  /** Largest effective severity number (0–24) of the records. */
  maxSeverity: number;
  /**
   * Distinct trace ids of the records, as they hold them (the trace filter of the frame index
   * keeps those of 32 hex digits, lowercased). Undefined when not known: a frame holding such lines gets no trace
   * filter, so every trace lookup decodes it (never a missed record).
   */
  traceIds?: Set<string>;
}

/**
 * A frame's Bloom filter of trace ids, from index version 2 (FORMAT.md, "Trace filter"): `hashes`
 * bit positions per id in `bits`.
 */
export interface TraceFilter {
  hashes: number;
  bits: Buffer;
}

/** One frame of a compressed file, as the index or a header scan describes it. */
export interface FrameInfo extends Omit<LinesMetadata, 'traceIds'> {
  /** Position of the frame in its file, from 0 (frames the reader could not parse not counted). */
  frameIndex: number;
  /** Byte offset of the frame (its header) in the file. */
  offset: number;
  /** Bytes of the frame: header plus zstd data frame. */
  length: number;
  /** Bytes the data frame decompresses to. */
  rawLength: number;
  /** OTLP/JSON lines in the frame. */
  lines: number;
  /** CRC-32 of the zstd data frame. */
  checksum: number;
  /**
   * The frame's trace filter, from a version 2 index entry; undefined when the frame was found
   * by a header scan or listed by a version 1 index (then no read can skip it by trace).
   */
  traceFilter?: TraceFilter;
}

/** A decoded frame, as {@link readFrames} yields it. */
export interface DecodedFrame {
  path: string;
  frameIndex: number;
  offset: number;
  length: number;
  records: number;
  minTimeUnixNano: bigint;
  maxTimeUnixNano: bigint;
  maxSeverity: number;
  /** Bytes the frame decompressed to. */
  rawLength: number;
  /** The frame's OTLP/JSON `LogsData` lines, without their newlines. */
  lines: string[];
}

/** What went wrong with a part of a file; readers skip that part and go on. */
export interface FrameProblem {
  /**
   * `torn`: the file ends inside a frame (a crash while writing; only ever the last frame);
   * `corrupt`: bytes that fail a checksum, do not decompress or do not parse;
   * `index`: the sidecar index is missing, stale or damaged (nothing is lost: frames are scanned);
   * `unreadable`: a path named like a compressed file that is not a regular file (a directory, a
   * FIFO, a symlink loop) or cannot be opened: nothing of it is read;
   * `chain`: the hash chain is broken (only `verifyCompressedFile` with `chain: true` and
   * `verifyHashChain` report it): a frame or file was altered, removed, reordered or inserted
   * since it was written; nothing is skipped because of it (`records` 0).
   */
  kind: 'torn' | 'corrupt' | 'index' | 'unreadable' | 'chain';
  path: string;
  /** Byte offset in the .zst file where the problem starts. */
  offset: number;
  /** Bytes skipped because of it (0 for `index`). */
  length: number;
  /**
   * Records lost with the skipped bytes: from the frame header when it is valid, else from the
   * `.idx` entries that describe the bytes. When neither does, {@link recordsUnknown} is set and
   * this is a lower bound: one per zstd data frame found in the bytes (0 only when the bytes hold
   * no frame at all, e.g. bytes inserted between frames).
   */
  records: number;
  /** True when {@link records} is a lower bound, not the exact count. */
  recordsUnknown?: boolean;
  /** The largest severity number of the lost records, when a header or index entry tells it. */
  maxSeverity?: number;
  /** A precise description, values included. */
  message: string;
}

/** Counters a read fills in (pass your own object to see them; see {@link createReadStats}). */
export interface ReadStats {
  files: number;
  /** Frames found in the files read. */
  framesTotal: number;
  /** Frames decompressed. */
  framesDecoded: number;
  /**
   * Frames skipped by the index (outside the time window, below the severity, or without the
   * trace asked for).
   */
  framesSkipped: number;
  /** Of {@link framesSkipped}, those skipped because their trace filter excludes `traceId`. */
  framesSkippedByTrace: number;
  /** Records yielded after filtering. */
  recordsRead: number;
  /** Torn frames met (a crash while writing; at most one per file, at its end). */
  framesTorn: number;
  /** Corrupt frames or byte ranges met and skipped. */
  framesCorrupt: number;
  /** Paths named like compressed files that are not regular files, or cannot be opened. */
  filesUnreadable: number;
  /**
   * Records lost with torn, corrupt and unreadable parts (the sum of their problems' `records`): a
   * lower bound when {@link recordsLostUnknown}.
   */
  recordsLost: number;
  /** Some damaged part held an unknown number of records: {@link recordsLost} is a lower bound. */
  recordsLostUnknown: boolean;
  /** Every problem met, in order. */
  problems: FrameProblem[];
}

/** A time bound: a Date, ms since the epoch (number) or ns since the epoch (bigint). */
export type TimeBound = Date | number | bigint;

/** Options of {@link readFrames}. */
export interface ReadFramesOptions {
  /** Skip frames whose records are all older than this (inclusive bound). */
  since?: TimeBound;
  /** Skip frames whose records are all newer than this (inclusive bound). */
  until?: TimeBound;
  /** Skip frames whose most severe record is below this severity number. */
  minSeverity?: number;
  /**
   * Skip frames whose index trace filter shows they hold no record of this trace (32 hex digits,
   * any case). Frames without a filter are read. {@link readLogRecords} also filters records by it.
   */
  traceId?: string;
  /** Called for every problem (also appended to `stats.problems`). */
  onProblem?: (problem: FrameProblem) => void;
  /** Counters to fill in. */
  stats?: ReadStats;
  /** Called after each frame (decoded or skipped) with the file's bytes dealt with so far. */
  onProgress?: (path: string, bytesDone: number) => void;
  /** Verify each data frame's CRC-32 before decompressing it. Default true. */
  verifyChecksums?: boolean;
  /**
   * Keys to decrypt encrypted frames with (any listed id is accepted; `activeKeyId` is ignored).
   * Without them, or without the frame's key id, an encrypted frame is a `corrupt` problem naming
   * the key id, counted like other damage. Plain frames need none.
   */
  encryption?: Pick<EncryptionOptions, 'keys'>;
}

/** Options of {@link readLogRecords}: frame options plus per-record filters. */
export interface ReadLogRecordsOptions extends ReadFramesOptions {
  /**
   * Keep only records of this trace (32 hex digits, any case). Frames whose index trace filter
   * excludes it are not decoded (counted in `stats.framesSkippedByTrace`).
   */
  traceId?: string;
}

/** What {@link parseCompressedFileName} reads from a name that follows the naming scheme. */
export interface CompressedFileName {
  /** The sanitized `service.name` the name starts with. */
  service: string;
  /** UTC creation time, to the second. */
  createdAt: Date;
  /** The same-second counter `-<n>`, 0 when absent. */
  n: number;
  /** The WAL seq of a disk buffer spill file (`.spill-<seq>`), absent for other files. */
  spillSeq?: number;
}

/** A `.zst` file found by {@link listCompressedFiles}. */
export interface CompressedFileEntry {
  path: string;
  name: string;
  /** Bytes of the .zst file. */
  size: number;
  /** Bytes of its `.idx` sidecar (0 when missing). */
  indexSize: number;
  mtimeMs: number;
  /** Service name from the file name, when it follows the naming scheme. */
  service?: string;
  /** UTC creation time from the file name, when it follows the naming scheme. */
  createdAt?: Date;
  /** WAL seq of a disk buffer spill file (`.spill-<seq>` in its name); absent for other files. */
  spillSeq?: number;
}

/** Options of {@link CompressedFileWriter.create}. */
export interface CompressedFileWriterOptions {
  /** Raw bytes that cut a frame automatically. Default 4 MiB. */
  frameBytes?: number;
  /** zstd level where the codec has levels (node:zlib). Default 3. */
  level?: number;
  /** File mode. Default 0o600. */
  mode?: number;
  /** Encrypt every frame (AES-256-GCM, FORMAT.md "Encrypted frames"). Default: plain frames. */
  encryption?: EncryptionOptions;
  /**
   * Chain the frames (FORMAT.md "Hash chain"). `previousLink`: the link of the previous file's
   * last frame (32 bytes), carried by this file's first frame; zeros when omitted.
   */
  chain?: ChainOptions & { previousLink?: Buffer };
}

/** A 256-bit AES key and the id frames name it by. */
export interface EncryptionKey {
  /** 0–4294967295, stored in each frame header it encrypted. */
  id: number;
  /** 32 bytes. */
  key: Buffer;
}

/**
 * Encryption at rest. Writers encrypt with `activeKeyId`; readers accept every key listed, so a
 * key is rotated by adding a new one, making it active, and dropping the old one once no file it
 * encrypted is kept. See `loadEncryptionKeyFile` for the file form.
 */
export interface EncryptionOptions {
  keys: ReadonlyArray<EncryptionKey>;
  /** The key new frames are encrypted with (writers only). */
  activeKeyId?: number;
}

/** Tamper evidence: a hash chain over the frames (FORMAT.md "Hash chain"). */
export interface ChainOptions {
  /**
   * HMAC-SHA-256 key (≥ 32 bytes) for the links. Without it links are plain SHA-256, which anyone
   * who can rewrite the files can recompute: they prove integrity against accidents, not attackers.
   */
  key?: Buffer;
}

/** Options of {@link ZstdFileLogRecordExporter}. */
export interface ZstdFileExporterOptions {
  /** Directory of the files; created (0700) if missing. */
  directory: string;
  /** File name prefix. Default: the records' `service.name`, else `unknown_service`. */
  serviceName?: string;
  /** Raw OTLP/JSON bytes per zstd frame. Default 4 MiB. */
  frameBytes?: number;
  /** A frame is also cut this long after its first record. Default 1000 ms. */
  flushIntervalMillis?: number;
  /** When to start a new file. Defaults: 64 MiB on disk, and at each UTC day. */
  rotate?: { maxBytes?: number; daily?: boolean };
  /**
   * When to delete old files (oldest first). Defaults: 7 days, 1 GiB in total. `maxAgeMillis` is
   * in milliseconds, as every duration option of spillway; `maxAgeDays` is its older spelling,
   * still read when `maxAgeMillis` is not given.
   */
  retention?: {
    maxAgeMillis?: number;
    maxTotalBytes?: number /** @deprecated use `maxAgeMillis` */;
    maxAgeDays?: number;
  };
  /** Free bytes to leave on the file system: old files go first, then new frames. Default 64 MiB. */
  minFreeBytes?: number;
  /** zstd level where the codec has levels (node:zlib). Default 3. */
  level?: number;
  /** Encrypt every frame (see {@link CompressedFileWriterOptions.encryption}). Default off. */
  encryption?: EncryptionOptions;
  /**
   * Chain the frames of every file, each file's first frame to the previous file's last (found in
   * the directory after a restart); retention records the files it deletes in `retired.chain`.
   * `true` for SHA-256 links. Default off.
   */
  chain?: boolean | ChainOptions;
  /** Clock, ms since the epoch (for tests). Default `Date.now`. */
  now?: () => number;
  /**
   * Where the exporter's self-metrics go (`otel.sdk.exporter.log.exported`, `spillway.file.*`,
   * `spillway.log_record.dropped`). Default: the global MeterProvider.
   */
  meterProvider?: MeterProvider;
}

/** Files, records and bytes deleted for one reason. */
export interface DeletedCounts {
  files: number;
  records: number;
  bytes: number;
}

/**
 * Why accepted records were not written: `disk_full` (free space below `minFreeBytes` even after
 * retention), `io_error` (the frame could not be written), `shutdown` (exported after shutdown).
 */
export type ZstdFileDropReason = 'disk_full' | 'io_error' | 'shutdown';

/**
 * Counters of a {@link ZstdFileLogRecordExporter}. Reconciles as records accepted =
 * `recordsWritten + recordsPending + dropped.disk_full.total + dropped.io_error.total`.
 */
export interface ZstdFileExporterStats {
  /** Records in frames written to disk. */
  recordsWritten: number;
  /** Records accepted and not yet written (the current frame and frames being compressed). */
  recordsPending: number;
  framesWritten: number;
  filesWritten: number;
  /** Raw OTLP/JSON bytes written (before compression). */
  bytesRaw: number;
  /** Bytes written to disk (frames, headers included; index files excluded). */
  bytesOnDisk: number;
  /** Records not written, by reason, each by severity class. */
  dropped: DropCounts<ZstdFileDropReason>;
  /** Values replaced when exported records were normalised, by kind (see @spillway/record-format). */
  substitutedValues: SubstitutionCounts;
  /** Files deleted by rotation/retention, by reason, with the records they held. */
  deleted: {
    max_age: DeletedCounts;
    max_total_bytes: DeletedCounts;
    min_free_bytes: DeletedCounts;
  };
}

/** The frames of one file: from its index where valid, from a scan of frame headers for the rest. */
export interface FrameTable {
  path: string;
  size: number;
  frames: FrameInfo[];
  problems: FrameProblem[];
  /** Frames taken from the index (the rest came from scanning). */
  indexedFrames: number;
}
