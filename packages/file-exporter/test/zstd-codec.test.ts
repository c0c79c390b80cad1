import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { zstdCompress, zstdDecompress, zstdImplementation } from '../src/index';
import { HAVE_CLI_TOOLS, sh, tempDir } from './helpers';

describe('zstdCompress', () => {
  it.skipIf(!HAVE_CLI_TOOLS)(
    'should produce a standard zstd frame that the zstd CLI decompresses',
    async () => {
      const input = Buffer.from('hello zstd\n'.repeat(10_000));
      const out = await zstdCompress(input);
      expect(out.length).toBeLessThan(input.length / 50);
      const f = join(tempDir(), 'x.zst');
      writeFileSync(f, out);
      expect(sh(`zstd -dc ${f}`)).toBe(input.toString());
    },
  );

  it('should round-trip random bytes through zstdDecompress', async () => {
    const input = randomBytes(300_000);
    expect((await zstdDecompress(await zstdCompress(input))).equals(input)).toBe(true);
  });

  const levels = zstdImplementation() === 'node:zlib';
  if (!levels)
    console.warn(
      `skipping level test: ${zstdImplementation()} on Node ${process.version} has no levels`,
    );
  it.skipIf(!levels)('should honour the level with node:zlib', async () => {
    const input = Buffer.from(
      Array.from({ length: 20_000 }, (_, i) => `line ${i % 977} ${i}\n`).join(''),
    );
    const fast = await zstdCompress(input, 1);
    const strong = await zstdCompress(input, 19);
    expect(strong.length).not.toBe(fast.length);
    expect((await zstdDecompress(strong)).equals(input)).toBe(true);
  });
});

describe('zstdDecompress', () => {
  it('should reject bytes that are not zstd', async () => {
    await expect(zstdDecompress(Buffer.from('definitely not zstd'))).rejects.toThrow();
  });
});
