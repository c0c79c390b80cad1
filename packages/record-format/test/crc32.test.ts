import { describe, expect, it } from 'vitest';
import { crc32, crc32Table } from '../src/crc32';

describe('crc32', () => {
  it('should give the zlib CRC-32 natively and from the portable table', () => {
    const data = Buffer.from('The quick brown fox jumps over the lazy dog');
    expect(crc32(data)).toBe(0x414fa339);
    expect(crc32Table(data)).toBe(0x414fa339);
    expect(crc32Table(data, 4, 19)).toBe(crc32(data.subarray(4, 19)));
    expect(crc32(data, 4, 19)).toBe(crc32(data.subarray(4, 19)));
  });
});
