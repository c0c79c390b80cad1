import { join } from 'node:path';
import {
  defaultDataDirectory,
  emitConfigWarning,
  isInvalid,
  type Parsed,
  parseDirectory,
  parseFsync,
  parseSize,
  serviceNameFromEnv,
} from '@spillway/record-format';
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
}

/** `SPILLWAY_FSYNC` / a size variable, when set: the parsed value, or undefined after a warning. */
function fromEnv<T>(variable: string, parse: (text: string) => Parsed<T>, fallback: string) {
  const text = process.env[variable];
  if (text === undefined || text.trim() === '') return undefined;
  const v = parse(text);
  if (!isInvalid(v)) return v;
  emitConfigWarning(
    `${variable}=${JSON.stringify(text)} is not valid (accepted: ${v.expected}); using ${fallback}`,
  );
  return undefined;
}

/**
 * Where the WAL goes without `directory`: `wal` in the data directory (`SPILLWAY_DIR`, else
 * `<tmpdir>/spillway/<service.name>`), the same place @spillway/node puts it.
 */
export function defaultDirectory(serviceName: string | undefined): string {
  const root =
    fromEnv('SPILLWAY_DIR', parseDirectory, '<tmpdir>/spillway/<service.name>') ??
    defaultDataDirectory(serviceName ?? serviceNameFromEnv(process.env));
  return join(root, 'wal');
}

function positive(name: string, v: number | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  if (!Number.isFinite(v) || v <= 0)
    throw new RangeError(`${name} must be a positive number, got ${v}`);
  return v;
}

export function resolveOptions(o: DiskBufferOptions): ResolvedOptions {
  const fsync = o.fsync ??
    fromEnv('SPILLWAY_FSYNC', parseFsync, 'interval:200') ?? {
      intervalMillis: 200,
    };
  const maxDiskBytes = positive(
    'maxDiskBytes',
    o.maxDiskBytes ??
      fromEnv('SPILLWAY_MAX_DISK_BYTES', (t) => parseSize(t, MIN_DISK_BYTES), '1GiB'),
    GiB,
  );
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
    minFreeBytes:
      o.minFreeBytes ?? fromEnv('SPILLWAY_MIN_FREE_BYTES', parseSize, '64MiB') ?? 64 * MiB,
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
  };
}
