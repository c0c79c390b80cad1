import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseBytes, parseFsync, resolveOptions } from '../src/internal/options';
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
      directory: '/var/lib/x',
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
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/SPILLWAY_FSYNC="sometimes".*interval:<ms>/);
  });

  it('should reject a non-positive size with a RangeError naming the option', () => {
    expect(() => resolveOptions({ exporter: new CollectingExporter(), maxDiskBytes: 0 })).toThrow(
      /maxDiskBytes must be a positive number, got 0/,
    );
  });
});

describe('parseBytes', () => {
  it('should read plain bytes and binary or decimal units', () => {
    expect(parseBytes('123')).toBe(123);
    expect(parseBytes('2GiB')).toBe(2 * 1024 ** 3);
    expect(parseBytes('1.5 MiB')).toBe(1.5 * 1024 * 1024);
    expect(parseBytes('10MB')).toBe(10e6);
    expect(parseBytes('lots')).toBeUndefined();
  });
});

describe('parseFsync', () => {
  it('should read always, never and interval:<ms>', () => {
    expect(parseFsync('always')).toBe('always');
    expect(parseFsync('never')).toBe('never');
    expect(parseFsync('interval:200')).toEqual({ intervalMillis: 200 });
    expect(parseFsync('interval')).toBeUndefined();
  });
});
