import { closeSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CompressedFileWriter,
  clearReplayCheckpoint,
  type FrameProblem,
  loadReplayCheckpoint,
  openReplayCursor,
  type ReplayPosition,
  readFrameTable,
  saveReplayCheckpoint,
} from '../src/index';
import { comparable, generatedRecords, tempDir } from './helpers';

/** One file of 4 frames × 5 lines of 1–9 records each (line sizes vary so batches cut lines). */
async function setup(): Promise<{ path: string; records: ReadableLogRecord[] }> {
  const dir = tempDir();
  const path = join(dir, 'svc-20260101-000000.zst');
  const records = generatedRecords(200);
  const w = await CompressedFileWriter.create(path);
  let at = 0;
  for (let frame = 0; frame < 4; frame++) {
    for (let line = 0; line < 5; line++) {
      const n = 1 + (((frame * 5 + line) * 7) % 9);
      w.appendRecords(records.slice(at, at + n));
      at += n;
    }
    await w.cutFrame();
  }
  await w.close();
  return { path, records: records.slice(0, at) };
}

async function drain(
  path: string,
  from: ReplayPosition | { records: number } | undefined,
  sizes: number[],
  onProblem?: (p: FrameProblem) => void,
) {
  const cursor = openReplayCursor(path, { from, onProblem });
  const batches: Array<{ records: ReadableLogRecord[]; next: ReplayPosition }> = [];
  for (let i = 0; ; i++) {
    const b = await cursor.next(sizes[i % sizes.length]!);
    if (b === null) break;
    batches.push(b);
  }
  await cursor.close();
  return batches;
}

const bodies = (rs: ReadableLogRecord[]) => rs.map((r) => comparable(r));

describe('openReplayCursor', () => {
  it('should deliver every record in stored order, merging lines and frames up to the batch size', async () => {
    const { path, records } = await setup();
    const batches = await drain(path, undefined, [7]);
    expect(bodies(batches.flatMap((b) => b.records))).toEqual(bodies(records));
    // Every batch but the last is full: lines and frames are merged, not sent one by one.
    expect(batches.slice(0, -1).every((b) => b.records.length === 7)).toBe(true);
    expect(batches.at(-1)!.next.file).toBe('svc-20260101-000000.zst');
  });

  it('should resume from any returned position with exactly the records after it (property)', async () => {
    const { path, records } = await setup();
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 4 }),
        fc.nat(),
        async (sizes, pick) => {
          const batches = await drain(path, undefined, sizes);
          const at = pick % batches.length;
          const delivered = batches.slice(0, at + 1).reduce((n, b) => n + b.records.length, 0);
          const rest = await drain(path, batches[at]!.next, [13]);
          expect(bodies(rest.flatMap((b) => b.records))).toEqual(bodies(records.slice(delivered)));
          // A count of delivered records resumes at the same place.
          const byCount = await drain(path, { records: delivered }, [13]);
          expect(byCount.flatMap((b) => b.records).length).toBe(records.length - delivered);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('should start from the beginning when the position names another file', async () => {
    const { path, records } = await setup();
    const other = { file: 'svc-20250101-000000.zst', frame: 3, line: 2, record: 1 };
    const batches = await drain(path, other, [50]);
    expect(batches.flatMap((b) => b.records)).toHaveLength(records.length);
  });

  it('should skip a corrupt frame, report it with its record count, and deliver the rest', async () => {
    const { path, records } = await setup();
    const table = await readFrameTable(path);
    const victim = table.frames[1]!;
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.from([0xff, 0xff, 0xff, 0xff]), 0, 4, victim.offset + victim.length - 8);
    closeSync(fd);
    const problems: FrameProblem[] = [];
    const batches = await drain(path, undefined, [64], (p) => problems.push(p));
    const lost = problems.filter((p) => p.kind !== 'index').reduce((n, p) => n + p.records, 0);
    expect(lost).toBe(victim.records);
    expect(batches.flatMap((b) => b.records)).toHaveLength(records.length - victim.records);
  });

  it('should treat a batch size below 1 as 1 (never loop) and end after close', async () => {
    const { path } = await setup();
    const cursor = openReplayCursor(path);
    const b = await cursor.next(0);
    expect(b?.records).toHaveLength(1);
    await cursor.close();
    expect(await cursor.next(5)).toBeNull();
  });
});

describe('replay checkpoint', () => {
  it('should round-trip a position and clear it', async () => {
    const path = join(tempDir(), 'ckpt.json');
    const pos = { file: 'a-20260101-000000.zst', frame: 2, line: 7, record: 3 };
    await saveReplayCheckpoint(path, pos);
    expect(await loadReplayCheckpoint(path)).toEqual(pos);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ version: 1, ...pos });
    await clearReplayCheckpoint(path);
    expect(await loadReplayCheckpoint(path)).toBeUndefined();
    await clearReplayCheckpoint(path); // already gone: fine
  });

  it('should read any damaged or foreign content as "from the start", never throwing (property)', async () => {
    const dir = tempDir();
    const path = join(dir, 'ckpt.json');
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc
            .record({
              version: fc.constantFrom(1, 2, '1'),
              file: fc.oneof(fc.string(), fc.integer()),
              frame: fc.oneof(fc.integer(), fc.double()),
              line: fc.integer(),
              record: fc.integer(),
            })
            .map((v) => JSON.stringify(v)),
        ),
        async (text) => {
          writeFileSync(path, text);
          const got = await loadReplayCheckpoint(path);
          if (got !== undefined) {
            expect(typeof got.file).toBe('string');
            for (const n of [got.frame, got.line, got.record]) expect(n).toBeGreaterThanOrEqual(0);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
