import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DiskBufferedLogRecordExporter, inspectWal, readPendingWalRecords } from '../src/index';
import type { WalProblem } from '../src/wal-inspect';
import { CollectingExporter } from './helpers/collecting-exporter';
import { generatedRecords, removeTempDirs, tempDir } from './helpers/records';
import { fillDirectory, frames, segments } from './helpers/wal-files';

const BATCHES = 6;
const PER_BATCH = 10;

/** Names, sizes and mtimes of every file: what a read-only inspection must leave as it was. */
function snapshot(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .map((n) => {
      const st = statSync(join(dir, n));
      return `${n} ${st.size} ${st.mtimeMs}`;
    });
}

async function pendingIds(dir: string, problems: WalProblem[] = []): Promise<number[]> {
  const ids: number[] = [];
  for await (const b of readPendingWalRecords(dir, { onProblem: (p) => problems.push(p) }))
    for (const r of b.records) ids.push(r.attributes['test.id'] as number);
  return ids;
}

afterEach(removeTempDirs);

describe('inspectWal', () => {
  it('should count every undelivered record of a WAL and change nothing', async () => {
    const dir = tempDir();
    const written = await fillDirectory(dir, BATCHES, PER_BATCH);
    const before = snapshot(dir);
    const [slot, ...more] = await inspectWal(dir, { decode: true });
    expect(more).toHaveLength(0);
    expect(slot!.slot).toBe(0);
    expect(slot!.segments).toBe(1);
    expect(slot!.recordsPending).toBe(BATCHES * PER_BATCH);
    expect(slot!.files[0]!.records).toBe(BATCHES * PER_BATCH);
    expect(slot!.problems).toEqual([]);
    expect(slot!.corruptFrames).toBe(0);
    // The exporter checkpoints the start of its first segment: nothing delivered.
    expect(slot!.checkpoint).toMatchObject({
      state: 'ok',
      kind: 'wal',
      position: 32,
      trusted: true,
    });
    const first = written[0]!.hrTime;
    expect(slot!.oldestPendingTimeUnixNano).toBe(
      BigInt(first[0]) * 1_000_000_000n + BigInt(first[1]),
    );
    expect(snapshot(dir)).toEqual(before);
  });

  it('should leave out what the checkpoint says was delivered', async () => {
    const dir = tempDir();
    const down = new CollectingExporter();
    down.succeedThenFail(1);
    const exporter = new DiskBufferedLogRecordExporter({
      exporter: down,
      directory: dir,
      fsync: 'always',
      retry: { initialMillis: 60_000 },
      shutdownTimeoutMillis: 1,
    });
    for (let b = 0; b < BATCHES; b++)
      await new Promise((res) => exporter.export(generatedRecords(PER_BATCH, b * PER_BATCH), res));
    await down.waitFor(() => down.failures > 0);
    await exporter.shutdown();
    const delivered = down.records.length;
    expect(delivered).toBeGreaterThan(0);
    const [slot] = await inspectWal(dir);
    expect(slot!.checkpoint).toMatchObject({ state: 'ok', kind: 'wal', trusted: true });
    expect(slot!.recordsPending).toBe(BATCHES * PER_BATCH - delivered);
    const ids = await pendingIds(dir);
    expect(ids).toEqual(
      Array.from({ length: BATCHES * PER_BATCH - delivered }, (_, i) => delivered + i),
    );
  });

  it('should name a flipped byte by file and offset, and read the frames around it', async () => {
    const dir = tempDir();
    await fillDirectory(dir, BATCHES, PER_BATCH);
    const [seg] = segments(dir);
    const hit = frames(seg!)[2]!;
    const b = readFileSync(seg!);
    b[hit.offset + 40] = b[hit.offset + 40]! ^ 0xff;
    writeFileSync(seg!, b);
    const [slot] = await inspectWal(dir);
    expect(slot!.corruptFrames).toBe(1);
    expect(slot!.problems).toEqual([
      expect.objectContaining({
        kind: 'corrupt',
        path: seg,
        offset: hit.offset,
        length: hit.length,
        records: PER_BATCH,
      }),
    ]);
    expect(slot!.recordsPending).toBe((BATCHES - 1) * PER_BATCH);
    const problems: WalProblem[] = [];
    const ids = await pendingIds(dir, problems);
    expect(ids).toHaveLength((BATCHES - 1) * PER_BATCH);
    expect(ids).not.toContain(2 * PER_BATCH);
    expect(problems.map((p) => [p.kind, p.offset])).toEqual([['corrupt', hit.offset]]);
  });

  it('should inspect every slot of a root, slot n in <root>/<n>/', async () => {
    const root = tempDir();
    await fillDirectory(root, 1, PER_BATCH);
    await fillDirectory(join(root, '3'), 2, PER_BATCH);
    const slots = await inspectWal(root);
    expect(slots.map((s) => [s.slot, s.directory, s.recordsPending])).toEqual([
      [0, root, PER_BATCH],
      [3, join(root, '3'), 2 * PER_BATCH],
    ]);
  });

  it('should throw naming the path when the root does not exist', async () => {
    await expect(inspectWal(join(tempDir(), 'missing'))).rejects.toThrow(/ENOENT.*missing/);
  });
});
