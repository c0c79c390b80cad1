import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emitConfigWarning } from '@spillway/record-format';
import type { DiskBufferOptions, FsyncPolicy, RetryOptions, WhenFull } from '../types';
import type { FsyncMode } from './wal-writer';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

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

function warn(variable: string, value: string, accepted: string, fallback: string): void {
  emitConfigWarning(
    `${variable}=${JSON.stringify(value)} is not valid (accepted: ${accepted}); using ${fallback}`,
  );
}

/** `always`, `never`, `interval:<ms>`; undefined (with a warning) for anything else. */
export function parseFsync(s: string): FsyncPolicy | undefined {
  if (s === 'always' || s === 'never') return s;
  const m = /^interval:(\d+)$/.exec(s);
  return m ? { intervalMillis: Number(m[1]) } : undefined;
}

/** `123`, `512MiB`, `2GiB`, `64KiB`, `1GB` (decimal units too). */
export function parseBytes(s: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(|B|KB|KiB|MB|MiB|GB|GiB|TB|TiB)$/i.exec(s.trim());
  if (!m) return undefined;
  const unit = (m[2] ?? '').toLowerCase();
  const mult: Record<string, number> = {
    '': 1,
    b: 1,
    kb: 1e3,
    kib: 1024,
    mb: 1e6,
    mib: MiB,
    gb: 1e9,
    gib: GiB,
    tb: 1e12,
    tib: 1024 * GiB,
  };
  return Math.floor(Number(m[1]) * (mult[unit] ?? 1));
}

function envFsync(): FsyncPolicy | undefined {
  const v = process.env['SPILLWAY_FSYNC'];
  if (v === undefined || v === '') return undefined;
  const p = parseFsync(v);
  if (p === undefined) warn('SPILLWAY_FSYNC', v, 'always, never, interval:<ms>', 'interval:200');
  return p;
}

function envBytes(variable: string, fallback: string): number | undefined {
  const v = process.env[variable];
  if (v === undefined || v === '') return undefined;
  const n = parseBytes(v);
  if (n === undefined) warn(variable, v, 'bytes or 512MiB, 2GiB', fallback);
  return n;
}

function positive(name: string, v: number | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  if (!Number.isFinite(v) || v <= 0)
    throw new RangeError(`${name} must be a positive number, got ${v}`);
  return v;
}

export function resolveOptions(o: DiskBufferOptions): ResolvedOptions {
  const fsync = o.fsync ?? envFsync() ?? { intervalMillis: 200 };
  const maxDiskBytes = positive(
    'maxDiskBytes',
    o.maxDiskBytes ?? envBytes('SPILLWAY_MAX_DISK_BYTES', '1GiB'),
    GiB,
  );
  const segmentBytes = Math.max(
    64 * 1024,
    Math.min(positive('segmentBytes', o.segmentBytes, 16 * MiB), Math.floor(maxDiskBytes / 8)),
  );
  const directory =
    o.directory ??
    process.env['SPILLWAY_DIR'] ??
    join(
      tmpdir(),
      `spillway-${o.serviceName ?? process.env['OTEL_SERVICE_NAME'] ?? 'node'}`,
      'wal',
    );
  return {
    directory,
    fsyncMode: typeof fsync === 'string' ? fsync : 'interval',
    intervalMillis:
      typeof fsync === 'string' ? 200 : positive('fsync.intervalMillis', fsync.intervalMillis, 200),
    maxDiskBytes,
    minFreeBytes: o.minFreeBytes ?? envBytes('SPILLWAY_MIN_FREE_BYTES', '64MiB') ?? 64 * MiB,
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
