import { appendFileSync, copyFileSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CompressedFileWriter,
  type DecodedFrame,
  type FrameProblem,
  followFrames,
  followPositionOf,
  readFramesBackward,
  readFrameTable,
} from '../src/index';
import { generatedRecords, tempDir } from './helpers';

const records = generatedRecords(600, { intervalMicros: 1000 });

/** A file of `frames` frames of 100 records each, from record `from`. */
async function writeFile(path: string, from: number, frames: number): Promise<void> {
  const w = await CompressedFileWriter.create(path);
  for (let f = 0; f < frames; f++) {
    w.appendRecords(records.slice(from + f * 100, from + (f + 1) * 100));
    await w.cutFrame();
  }
  await w.close();
}

const firstId = (f: DecodedFrame) =>
  JSON.parse(f.lines[0]!).resourceLogs[0].scopeLogs[0].logRecords[0].attributes.find(
    (a: { key: string }) => a.key === 'test.id',
  ).value.intValue as string;

async function collect<T>(it: AsyncIterable<T>, n = Number.POSITIVE_INFINITY): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) {
    out.push(x);
    if (out.length === n) break;
  }
  return out;
}

describe(readFramesBackward, () => {
  it('should yield frames newest first, then report the torn tail', async () => {
    const path = join(tempDir(), 'a-20260101-000000.zst');
    await writeFile(path, 0, 3);
    const table = await readFrameTable(path);
    truncateSync(path, table.frames[2]!.offset + 30);
    const problems: FrameProblem[] = [];
    const frames = await collect(readFramesBackward(path, { onProblem: (p) => problems.push(p) }));
    expect(frames.map(firstId)).toEqual(['100', '0']);
    expect(problems.filter((p) => p.kind === 'torn').map((p) => p.offset)).toEqual([
      table.frames[2]!.offset,
    ]);
  });

  it('should rescan when the index describes another file and still yield every frame once', async () => {
    const dir = tempDir();
    const a = join(dir, 'a-20260101-000000.zst');
    const b = join(dir, 'b-20260101-000000.zst');
    await writeFile(a, 0, 3);
    await writeFile(b, 300, 1);
    copyFileSync(`${b}.idx`, `${a}.idx`); // b's one entry: a frame of another length at 0
    const problems: FrameProblem[] = [];
    const frames = await collect(readFramesBackward(a, { onProblem: (p) => problems.push(p) }));
    expect(frames.map(firstId).sort()).toEqual(['0', '100', '200']);
    expect(problems.some((p) => p.kind === 'index')).toBe(true);
    expect(problems.filter((p) => p.kind !== 'index')).toEqual([]);
  });
});

describe(followFrames, () => {
  it('should yield present frames, then appended and new files, skip deleted ones, and end on abort', async () => {
    const dir = tempDir();
    const a = join(dir, 'a-20260101-000000.zst');
    await writeFile(a, 0, 2);
    const controller = new AbortController();
    const problems: FrameProblem[] = [];
    const it = followFrames(dir, {
      signal: controller.signal,
      pollMillis: 20,
      onProblem: (p) => problems.push(p),
    })[Symbol.asyncIterator]();
    const next = async () => firstId((await it.next()).value as DecodedFrame);
    expect([await next(), await next()]).toEqual(['0', '100']);
    // A new file (rotation), written in two appends: its frame is yielded once whole.
    const src = join(tempDir(), 'b-20260101-000001.zst');
    await writeFile(src, 200, 1);
    const bytes = readFileSync(src);
    const b = join(dir, 'b-20260101-000001.zst');
    appendFileSync(b, bytes.subarray(0, 70));
    const pending = next();
    rmSync(a); // retention
    appendFileSync(b, bytes.subarray(70));
    expect(await pending).toBe('200');
    controller.abort();
    expect((await it.next()).done).toBe(true);
    expect(problems).toEqual([]);
  });

  it('should start at a follow position: nothing before it is yielded', async () => {
    const dir = tempDir();
    const a = join(dir, 'a-20260101-000000.zst');
    await writeFile(a, 0, 2);
    const start = new Map([[a, followPositionOf(await readFrameTable(a))]]);
    expect(start.get(a)).toEqual({ offset: readFileSync(a).length, frameIndex: 2 });
    const src = join(tempDir(), 'a-20260101-000000.zst');
    await writeFile(src, 200, 1);
    appendFileSync(a, readFileSync(src));
    const controller = new AbortController();
    const frames = await collect(
      followFrames(dir, { start, signal: controller.signal, pollMillis: 20 }),
      1,
    );
    controller.abort();
    expect(frames.map((f) => [firstId(f), f.frameIndex])).toEqual([['200', 2]]);
  });
});
