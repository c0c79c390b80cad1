import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  defaultDataDirectory,
  formatSize,
  isInvalid,
  parseDirectory,
  parseDuration,
  parseFsync,
  parseInteger,
  parseSize,
  serviceNameFromEnv,
} from '../src/index';

describe('parseSize', () => {
  it('should read plain bytes and binary or decimal units', () => {
    expect(parseSize('123')).toBe(123);
    expect(parseSize('2GiB')).toBe(2 * 1024 ** 3);
    expect(parseSize('1.5 MiB')).toBe(1.5 * 1024 * 1024);
    expect(parseSize('10MB')).toBe(10e6);
    expect(parseSize(' 64kib ')).toBe(64 * 1024);
  });

  it('should name the accepted form for anything else', () => {
    for (const bad of ['lots', '12 parsecs', '-5', '', '1e400GiB']) {
      const v = parseSize(bad);
      expect(isInvalid(v) && v.expected).toMatch(/512MiB/);
    }
  });
});

describe('formatSize', () => {
  it('should print the shortest exact binary unit', () => {
    expect(formatSize(2 ** 30)).toBe('1GiB');
    expect(formatSize(64 * 2 ** 20)).toBe('64MiB');
    expect(formatSize(1000)).toBe('1000B');
  });
});

describe('parseDuration', () => {
  it('should read milliseconds and units', () => {
    expect(parseDuration('5000')).toBe(5000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('2m')).toBe(120_000);
    expect(isInvalid(parseDuration('soon'))).toBe(true);
  });
});

describe('size minimum', () => {
  it('should refuse a size below the minimum, naming it', () => {
    expect(parseSize('1MiB', 2 ** 20)).toBe(2 ** 20);
    for (const bad of ['0', '1B', '1048575']) {
      const v = parseSize(bad, 2 ** 20);
      expect(isInvalid(v) && v.expected).toMatch(/, at least 1MiB$/);
    }
  });
});

describe('duration bound', () => {
  it('should refuse a duration a timer cannot wait', () => {
    expect(parseDuration('2147483647')).toBe(2 ** 31 - 1);
    expect(parseDuration('24h')).toBe(24 * 3_600_000);
    for (const bad of ['2147483648', '600h', '30000000s']) {
      expect(isInvalid(parseDuration(bad))).toBe(true);
    }
    expect(isInvalid(parseFsync('interval:1000h'))).toBe(true);
  });
});

describe('parseInteger', () => {
  it('should accept whole numbers from the minimum', () => {
    expect(parseInteger('512', 1)).toBe(512);
    expect(isInvalid(parseInteger('0', 1))).toBe(true);
    expect(isInvalid(parseInteger('1.5', 1))).toBe(true);
  });
});

describe('parseFsync', () => {
  it('should read always, never and interval:<duration>', () => {
    expect(parseFsync('always')).toBe('always');
    expect(parseFsync('never')).toBe('never');
    expect(parseFsync('interval:200')).toEqual({ intervalMillis: 200 });
    expect(parseFsync('interval:1s')).toEqual({ intervalMillis: 1000 });
  });

  it('should refuse a missing or zero interval', () => {
    expect(isInvalid(parseFsync('interval'))).toBe(true);
    expect(isInvalid(parseFsync('interval:0'))).toBe(true);
    expect(isInvalid(parseFsync('sometimes'))).toBe(true);
  });
});

describe('parseDirectory', () => {
  it('should take absolute paths, normalised, and /dev/shm', () => {
    expect(parseDirectory(' /var/lib/app/spillway ')).toBe('/var/lib/app/spillway');
    expect(parseDirectory('/var/lib/app/../spillway/')).toBe('/var/lib/spillway');
    expect(parseDirectory('/dev/shm/spillway')).toBe('/dev/shm/spillway');
  });

  it('should refuse a relative path, naming the absolute form', () => {
    for (const bad of ['data/spillway', './.spillway', '../spillway', '~/spillway']) {
      const v = parseDirectory(bad);
      expect(isInvalid(v) && v.expected).toMatch(/^an absolute directory path/);
    }
  });

  it('should refuse /proc, /sys and blank values', () => {
    for (const bad of ['/proc/self/spillway', '/sys', '/proc/../proc/1', '  ']) {
      const v = parseDirectory(bad);
      expect(isInvalid(v) && v.expected).toMatch(/outside \/proc and \/sys/);
    }
  });
});

describe('serviceNameFromEnv', () => {
  it('should prefer OTEL_SERVICE_NAME, then service.name in OTEL_RESOURCE_ATTRIBUTES', () => {
    expect(serviceNameFromEnv({ OTEL_SERVICE_NAME: ' cart ' })).toBe('cart');
    expect(serviceNameFromEnv({ OTEL_RESOURCE_ATTRIBUTES: 'a=b,service.name=pay%20ments' })).toBe(
      'pay ments',
    );
    expect(serviceNameFromEnv({ OTEL_RESOURCE_ATTRIBUTES: 'service.name=%E0%A4%A' })).toBe(
      'unknown_service:node',
    );
  });
});

describe('defaultDataDirectory', () => {
  it('should name a directory per service, with only safe characters', () => {
    expect(defaultDataDirectory('pay ments/v2')).toBe(join(tmpdir(), 'spillway', 'pay_ments_v2'));
  });
});
