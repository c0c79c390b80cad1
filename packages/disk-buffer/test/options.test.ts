import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { resolveOptions } from '../src/internal/options';
import { CollectingExporter } from './helpers/collecting-exporter';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('resolveOptions', () => {
  it('should read SPILLWAY_* variables when the option is absent', () => {
    vi.stubEnv('SPILLWAY_FSYNC', 'interval:50');
    vi.stubEnv('SPILLWAY_MAX_DISK_BYTES', '512MiB');
    vi.stubEnv('SPILLWAY_MIN_FREE_BYTES', '1GB');
    vi.stubEnv('SPILLWAY_DIR', '/var/lib/x');
    const o = resolveOptions({ exporter: new CollectingExporter() });
    expect(o).toMatchObject({
      fsyncMode: 'interval',
      intervalMillis: 50,
      maxDiskBytes: 512 * 1024 * 1024,
      minFreeBytes: 1e9,
      directory: '/var/lib/x/wal',
      segmentBytes: 16 * 1024 * 1024,
    });
  });

  it('should prefer explicit options and cap segments at maxDiskBytes / 8', () => {
    vi.stubEnv('SPILLWAY_FSYNC', 'never');
    const o = resolveOptions({
      exporter: new CollectingExporter(),
      fsync: 'always',
      maxDiskBytes: 8 * 1024 * 1024,
    });
    expect(o.fsyncMode).toBe('always');
    expect(o.segmentBytes).toBe(1024 * 1024);
  });

  it('should warn about a bad variable, naming it, and use the default', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    vi.stubEnv('SPILLWAY_FSYNC', 'sometimes');
    const o = resolveOptions({ exporter: new CollectingExporter() });
    expect(o.fsyncMode).toBe('interval');
    expect(o.intervalMillis).toBe(200);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(
      /SPILLWAY_FSYNC="sometimes" is not valid \(accepted: always, never or interval:<milliseconds>.*using interval:200/,
    );
  });

  it('should warn about a SPILLWAY_DIR under /proc and use the default', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    vi.stubEnv('SPILLWAY_DIR', '/proc/self/x');
    const o = resolveOptions({ exporter: new CollectingExporter(), serviceName: 'cart' });
    expect(o.directory).toBe(join(tmpdir(), 'spillway', 'cart', 'wal'));
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/SPILLWAY_DIR="\/proc\/self\/x" is not valid/);
  });

  it('should put the WAL where @spillway/node does without SPILLWAY_DIR', () => {
    vi.stubEnv('SPILLWAY_DIR', '');
    vi.stubEnv('OTEL_SERVICE_NAME', 'check out');
    expect(resolveOptions({ exporter: new CollectingExporter() }).directory).toBe(
      join(tmpdir(), 'spillway', 'check_out', 'wal'),
    );
    const named = resolveOptions({ exporter: new CollectingExporter(), serviceName: 'cart' });
    expect(named.directory).toBe(join(tmpdir(), 'spillway', 'cart', 'wal'));
  });

  it('should reject a non-positive size with a RangeError naming the option', () => {
    expect(() => resolveOptions({ exporter: new CollectingExporter(), maxDiskBytes: 0 })).toThrow(
      /maxDiskBytes must be a positive number, got 0/,
    );
  });

  it('should reject a size below eight of the smallest segments, naming the value', () => {
    expect(() =>
      resolveOptions({ exporter: new CollectingExporter(), maxDiskBytes: 1024 }),
    ).toThrow(/maxDiskBytes must be at least 524288 \(eight of the smallest segments\), got 1024/);
    expect(
      resolveOptions({ exporter: new CollectingExporter(), maxDiskBytes: 512 * 1024 }).maxDiskBytes,
    ).toBe(512 * 1024);
  });

  it('should warn about a SPILLWAY_MAX_DISK_BYTES below the minimum and use the default', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    vi.stubEnv('SPILLWAY_MAX_DISK_BYTES', '1KiB');
    expect(resolveOptions({ exporter: new CollectingExporter() }).maxDiskBytes).toBe(2 ** 30);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(
      /^SPILLWAY_MAX_DISK_BYTES="1KiB" is not valid \(accepted: .*at least 512KiB\); using 1GiB$/,
    );
  });
});
