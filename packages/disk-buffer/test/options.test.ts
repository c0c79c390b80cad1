import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { defaultDataDirectory } from '@spillway/config';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { resolveOptions } from '../src/internal/options';
import { CollectingExporter } from './helpers/collecting-exporter';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('resolveOptions', () => {
  // The buffer is a component: @spillway/config owns the variables (their parse tables and
  // warnings are tested there); @spillway/node passes every value as an option.
  it('should read no environment variable', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    vi.stubEnv('SPILLWAY_FSYNC', 'sometimes');
    vi.stubEnv('SPILLWAY_MAX_DISK_BYTES', '512MiB');
    vi.stubEnv('SPILLWAY_MIN_FREE_BYTES', '1GB');
    vi.stubEnv('SPILLWAY_DIR', '/var/lib/x');
    vi.stubEnv('OTEL_SERVICE_NAME', 'check out');
    const o = resolveOptions({ exporter: new CollectingExporter() });
    expect(o).toMatchObject({
      fsyncMode: 'interval',
      intervalMillis: 200,
      maxDiskBytes: 2 ** 30,
      minFreeBytes: 64 * 1024 * 1024,
      directory: join(tmpdir(), 'spillway', 'unknown_service_node', 'wal'),
      segmentBytes: 16 * 1024 * 1024,
    });
    expect(warn).not.toHaveBeenCalled();
  });

  it('should prefer explicit options and cap segments at maxDiskBytes / 8', () => {
    const o = resolveOptions({
      exporter: new CollectingExporter(),
      fsync: 'always',
      maxDiskBytes: 8 * 1024 * 1024,
    });
    expect(o.fsyncMode).toBe('always');
    expect(o.segmentBytes).toBe(1024 * 1024);
  });

  it('should put the WAL where @spillway/node does without a directory', () => {
    const named = resolveOptions({ exporter: new CollectingExporter(), serviceName: 'check out' });
    expect(named.directory).toBe(join(defaultDataDirectory('check out'), 'wal'));
    expect(named.directory).toBe(join(tmpdir(), 'spillway', 'check_out', 'wal'));
  });

  it('should keep a hostile service name inside <tmpdir>/spillway', () => {
    for (const name of ['..', '.', '', 'a//b', '../../etc']) {
      const { directory } = resolveOptions({
        exporter: new CollectingExporter(),
        serviceName: name,
      });
      expect(dirname(dirname(directory))).toBe(join(tmpdir(), 'spillway'));
    }
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
});
