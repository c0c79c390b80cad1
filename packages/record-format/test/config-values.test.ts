import { describe, expect, it } from 'vitest';
import {
  formatSize,
  isInvalid,
  parseDuration,
  parseFsync,
  parseInteger,
  parseSize,
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
