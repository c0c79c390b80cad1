import { join } from 'node:path';
import { defaultDataDirectory, UNKNOWN_SERVICE_NAME } from '@spillway/config';
import { type EncryptionOptions, SyncFrameCipher } from '@spillway/file-exporter';
import type { DiskBufferOptions, RetryOptions, WhenFull } from '../types';
import type { FsyncMode } from './wal-writer';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/**
 * The smallest `maxDiskBytes`: eight segments of the 64 KiB floor. Segments are an eighth of the
 * cap, so below this they stop shrinking with it; the WAL could hold only a few, and a batch
 * larger than what is left would be refused as `disk_full` forever.
 */
export const MIN_DISK_BYTES = 8 * 64 * 1024;

export interface ResolvedOptions {
  directory: string;
  fsyncMode: FsyncMode;
  intervalMillis: number;
  maxDiskBytes: number;
  minFreeBytes: number;
  segmentBytes: number;
  whenFull: WhenFull;
  spillAfterBytes: number;
  retry: Required<RetryOptions>;
  exportTimeoutMillis: number;
  shutdownTimeoutMillis: number;
  maxRecordAgeMillis: number | undefined;
  maxExportBatchSize: number;
  recordUid: boolean;
  serviceName: string | undefined;
  /** Encryption of WAL frames and spill files; `cipher` is built from it (keys checked once). */
  encryption: EncryptionOptions | undefined;
  cipher: SyncFrameCipher | undefined;
}

/**
 * Where the WAL goes without `directory`: `wal` in `<tmpdir>/spillway/<serviceName>`, the place
 * @spillway/node uses without `SPILLWAY_DIR`. The buffer reads no environment: @spillway/node
 * passes `SPILLWAY_DIR`, `SPILLWAY_FSYNC` and the sizes as options.
 */
export function defaultDirectory(serviceName: string | undefined): string {
  return join(defaultDataDirectory(serviceName ?? UNKNOWN_SERVICE_NAME), 'wal');
}

function positive(name: string, v: number | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  if (!Number.isFinite(v) || v <= 0)
    throw new RangeError(`${name} must be a positive number, got ${v}`);
  return v;
}

export function resolveOptions(o: DiskBufferOptions): ResolvedOptions {
  const fsync = o.fsync ?? { intervalMillis: 200 };
  const maxDiskBytes = positive('maxDiskBytes', o.maxDiskBytes, GiB);
  if (maxDiskBytes < MIN_DISK_BYTES) {
    throw new RangeError(
      `maxDiskBytes must be at least ${MIN_DISK_BYTES} (eight of the smallest segments), got ${maxDiskBytes}`,
    );
  }
  const segmentBytes = Math.max(
    64 * 1024,
    Math.min(positive('segmentBytes', o.segmentBytes, 16 * MiB), Math.floor(maxDiskBytes / 8)),
  );
  return {
    directory: o.directory ?? defaultDirectory(o.serviceName),
    fsyncMode: typeof fsync === 'string' ? fsync : 'interval',
    intervalMillis:
      typeof fsync === 'string' ? 200 : positive('fsync.intervalMillis', fsync.intervalMillis, 200),
    maxDiskBytes,
    minFreeBytes: o.minFreeBytes ?? 64 * MiB,
    segmentBytes,
    whenFull: o.whenFull ?? 'drop_oldest',
    spillAfterBytes: positive('spillAfterBytes', o.spillAfterBytes, 64 * MiB),
    retry: {
      initialMillis: positive('retry.initialMillis', o.retry?.initialMillis, 500),
      maxMillis: positive('retry.maxMillis', o.retry?.maxMillis, 30_000),
      multiplier: positive('retry.multiplier', o.retry?.multiplier, 2),
      jitter: Math.min(1, Math.max(0, o.retry?.jitter ?? 0.2)),
    },
    exportTimeoutMillis: positive('exportTimeoutMillis', o.exportTimeoutMillis, 30_000),
    shutdownTimeoutMillis: positive('shutdownTimeoutMillis', o.shutdownTimeoutMillis, 10_000),
    maxRecordAgeMillis: o.maxRecordAgeMillis,
    maxExportBatchSize: positive('maxExportBatchSize', o.maxExportBatchSize, 512),
    recordUid: o.recordUid ?? false,
    serviceName: o.serviceName,
    encryption: o.encryption,
    // Throws a TypeError naming a bad key, id or activeKeyId (the file exporter's checks).
    cipher: o.encryption === undefined ? undefined : new SyncFrameCipher(o.encryption, true),
  };
}
