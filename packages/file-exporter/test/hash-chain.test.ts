import { readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CompressedFileWriter,
  listCompressedFiles,
  readFrameTable,
  verifyCompressedFile,
  verifyHashChain,
  ZstdFileLogRecordExporter,
} from '../src/index';
import { exportAll, generatedRecords, HAVE_CLI_TOOLS, sh, tempDir } from './helpers';

const CHAIN_KEY = Buffer.alloc(32, 0x5c);

/** A chained file of `frames` frames of 3 records each. */
async function chainedFile(frames: number, chain: { key?: Buffer } = {}) {
  const path = join(tempDir(), 'svc-20260101-000000.zst');
  const writer = await CompressedFileWriter.create(path, { chain });
  const records = generatedRecords(frames * 3, { seed: 3 });
  for (let i = 0; i < frames; i++) {
    writer.appendRecords(records.slice(i * 3, i * 3 + 3));
    await writer.cutFrame();
  }
  await writer.close();
  const table = await readFrameTable(path);
  return { path, bytes: readFileSync(path), frames: table.frames };
}

/** Rewrites `path` with its frames in the order `order` (indexes into `frames`); drops the index. */
function rewrite(
  path: string,
  bytes: Buffer,
  frames: Array<{ offset: number; length: number }>,
  order: number[],
) {
  writeFileSync(
    path,
    Buffer.concat(
      order.map((i) => bytes.subarray(frames[i]!.offset, frames[i]!.offset + frames[i]!.length)),
    ),
  );
  rmSync(`${path}.idx`, { force: true });
}

function chainProblems(report: { problems: Array<{ kind: string; message: string }> }) {
  return report.problems.filter((p) => p.kind === 'chain').map((p) => p.message);
}

describe('hash chain', () => {
  it('should verify a sound chained file and keep it readable by zstd -dc', async (ctx) => {
    const { path } = await chainedFile(4);
    const report = await verifyCompressedFile(path, { chain: true });
    expect(report.problems).toEqual([]);
    expect(report.chain?.firstLink).toBe('0'.repeat(64));
    expect(readFileSync(path)[12]).toBe(2);
    if (!HAVE_CLI_TOOLS) ctx.skip();
    expect(
      sh(`zstd -dc ${path} | jq -c '.resourceLogs[].scopeLogs[].logRecords[]' | wc -l`).trim(),
    ).toBe('12');
  });

  it('should name the frame where a removed, reordered or duplicated frame breaks the chain', async () => {
    const { path, bytes, frames } = await chainedFile(5);
    const at = (order: number[], k: number) =>
      order.slice(0, k).reduce((n, i) => n + frames[i]!.length, 0);
    const cases: Array<[string, number[], number]> = [
      ['removed', [0, 1, 3, 4], 2],
      ['reordered', [0, 2, 1, 3, 4], 1],
      ['duplicated', [0, 1, 1, 2, 3, 4], 2],
      ['first removed', [1, 2, 3, 4], 0],
    ];
    for (const [what, order, k] of cases) {
      rewrite(path, bytes, frames, order);
      // A file's first frame may link to the previous file: only the directory tells (below).
      const report =
        k === 0
          ? await verifyHashChain(join(path, '..'))
          : await verifyCompressedFile(path, { chain: true });
      const broken = ('files' in report ? report.files[0]! : report).problems.filter(
        (p) => p.kind === 'chain',
      );
      expect(broken, what).toHaveLength(1);
      expect(broken[0]!.offset).toBe(at(order, k));
      expect(broken[0]!.message, what).toMatch(
        new RegExp(`^frame ${k} at offset ${at(order, k)}: chain broken: `),
      );
      // The first file of a directory links to zeros: one whose first frame went is caught there.
      if (k === 0) {
        const dir = await verifyHashChain(join(path, '..'));
        expect(dir.broken?.message).toContain('neither here nor recorded as deleted by retention');
      }
    }
  });

  it('should detect one flipped byte at every offset of a small chained file', async () => {
    const { path, bytes } = await chainedFile(3);
    for (let pos = 0; pos < bytes.length; pos++) {
      const b = Buffer.from(bytes);
      b[pos]! ^= 0x04;
      writeFileSync(path, b);
      const report = await verifyCompressedFile(path, { chain: true });
      expect(report.ok, `flip at ${pos}`).toBe(false);
      expect(report.problems.some((p) => p.kind === 'chain' || p.kind === 'corrupt')).toBe(true);
    }
  });

  it('should need the chain key when one was used, and refuse a chain rewritten without it', async () => {
    const { path, bytes, frames } = await chainedFile(3, { key: CHAIN_KEY });
    expect(
      (await verifyCompressedFile(path, { chain: true, chainKey: CHAIN_KEY })).problems,
    ).toEqual([]);
    expect(chainProblems(await verifyCompressedFile(path, { chain: true }))).toEqual([
      'frame 0 at offset 0: chain broken: the frame is chained with HMAC-SHA-256: the chain key is needed to verify it',
    ]);
    const wrong = await verifyCompressedFile(path, { chain: true, chainKey: Buffer.alloc(32, 1) });
    expect(chainProblems(wrong)).toEqual([
      expect.stringMatching(
        `^frame 1 at offset ${frames[1]!.offset}: chain broken: its link does not match frame 0`,
      ),
    ]);
    // An attacker without the key rewrites the file with a plain SHA-256 chain.
    const forged = await chainedFile(3);
    writeFileSync(path, forged.bytes);
    expect(
      chainProblems(await verifyCompressedFile(path, { chain: true, chainKey: CHAIN_KEY }))[0],
    ).toContain('chained with plain SHA-256 where a chain key was given');
    expect(bytes.length).toBe(forged.bytes.length);
  });

  it('should chain every file of a directory to the one before, across rotation and restarts', async () => {
    const dir = tempDir();
    for (let run = 0; run < 2; run++) {
      const exporter = new ZstdFileLogRecordExporter({
        directory: dir,
        frameBytes: 4 * 1024,
        rotate: { maxBytes: 8 * 1024 },
        minFreeBytes: 0,
        chain: { key: CHAIN_KEY },
        now: () => Date.UTC(2026, 0, 1, 0, 0, run),
      });
      await exportAll(exporter, generatedRecords(400, { seed: run }), 40);
      await exporter.shutdown();
    }
    const files = await listCompressedFiles(dir);
    expect(files.length).toBeGreaterThan(4);
    const report = await verifyHashChain(dir, { chainKey: CHAIN_KEY });
    expect(report.broken).toBeUndefined();
    expect(report.ok).toBe(true);
    for (let i = 1; i < report.files.length; i++) {
      expect(report.files[i]!.chain!.firstLink).toBe(report.files[i - 1]!.chain!.lastLink);
    }
    // A file removed from the middle is named at the file after it.
    unlinkSync(files[2]!.path);
    unlinkSync(`${files[2]!.path}.idx`);
    const gap = await verifyHashChain(dir, { chainKey: CHAIN_KEY });
    expect(gap.broken?.path).toBe(files[3]!.path);
    expect(gap.broken?.message).toContain(`does not link to the last frame of ${files[1]!.path}`);
  });

  it('should not mistake files deleted by retention for tampering, and catch files deleted otherwise', async () => {
    const dir = tempDir();
    const exporter = new ZstdFileLogRecordExporter({
      directory: dir,
      frameBytes: 4 * 1024,
      rotate: { maxBytes: 6 * 1024 },
      retention: { maxTotalBytes: 24 * 1024 },
      minFreeBytes: 0,
      chain: true,
    });
    await exportAll(exporter, generatedRecords(2000, { seed: 9 }), 40);
    await exporter.shutdown();
    const stats = exporter.getStats();
    expect(stats.deleted.max_total_bytes.files).toBeGreaterThan(0);
    const ledger = readFileSync(join(dir, 'retired.chain'), 'utf8').trim().split('\n');
    expect(ledger).toHaveLength(stats.deleted.max_total_bytes.files);
    const report = await verifyHashChain(dir);
    expect(report.broken).toBeUndefined();
    expect(report.retired).toEqual([
      { path: report.files[0]!.path, follows: JSON.parse(ledger.at(-1)!).file },
    ]);
    // Deleting the oldest file by hand is not retention.
    const oldest = report.files[0]!.path;
    unlinkSync(oldest);
    unlinkSync(`${oldest}.idx`);
    const after = await verifyHashChain(dir);
    expect(after.broken?.path).toBe(report.files[1]!.path);
    expect(after.broken?.message).toContain('neither here nor recorded as deleted by retention');
    // Nor is forging a ledger line: the ledger's own chain breaks.
    writeFileSync(
      join(dir, 'retired.chain'),
      `${ledger.join('\n').replace(/"frames":\d+/, '"frames":1')}\n`,
    );
    expect((await verifyHashChain(dir)).broken?.message).toContain('does not verify');
  });
});
