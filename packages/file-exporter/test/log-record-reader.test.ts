import { join } from 'node:path';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { describe, expect, it } from 'vitest';
import {
  CompressedFileWriter,
  createReadStats,
  effectiveSeverity,
  readLogRecordBatches,
  readLogRecords,
  readLogsDataLines,
} from '../src/index';
import { comparable, generatedRecords, HAVE_CLI_TOOLS, sh, tempDir } from './helpers';

const START = Date.UTC(2026, 0, 1);

/** Two files of 10 frames × 200 records, 10 ms apart: 2 s per frame, 20 s per file. */
async function setup() {
  const dir = tempDir();
  const records = generatedRecords(4000, { intervalMicros: 10_000 });
  for (let file = 0; file < 2; file++) {
    const w = await CompressedFileWriter.create(join(dir, `svc-20260101-00000${file}.zst`));
    for (let f = 0; f < 10; f++) {
      const start = file * 2000 + f * 200;
      w.appendRecords(records.slice(start, start + 200));
      await w.cutFrame();
    }
    await w.close();
  }
  return { dir, records };
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const timeMs = (r: ReadableLogRecord) => r.hrTime[0] * 1000 + r.hrTime[1] / 1e6;

describe('readLogRecords', () => {
  it('should read a directory oldest file first, every record in order', async () => {
    const { dir, records } = await setup();
    const back = await collect(readLogRecords(dir));
    expect(back.map(comparable)).toEqual(records.map(comparable));
  });

  it('should decode only the frames a since/until window needs (index), and filter records', async () => {
    const { dir, records } = await setup();
    const stats = createReadStats();
    const since = new Date(START + 23_000);
    const until = new Date(START + 26_999);
    const back = await collect(readLogRecords(dir, { since, until, stats }));
    const expected = records.filter(
      (r) => timeMs(r) >= START + 23_000 && timeMs(r) <= START + 26_999,
    );
    expect(back.map(comparable)).toEqual(expected.map(comparable));
    // 23.000–26.999 s lies in frames 1, 2 and 3 of the second file (22–24, 24–26, 26–28 s).
    expect(stats).toMatchObject({ files: 2, framesTotal: 20, framesDecoded: 3, framesSkipped: 17 });
    expect(stats.recordsRead).toBe(expected.length);
  });

  it('should accept bounds as ms numbers and ns bigints', async () => {
    const { dir } = await setup();
    const a = await collect(readLogRecords(dir, { since: START + 5000, until: START + 5500 }));
    const b = await collect(
      readLogRecords(dir, {
        since: BigInt(START + 5000) * 1_000_000n,
        until: BigInt(START + 5500) * 1_000_000n,
      }),
    );
    expect(a).toHaveLength(51);
    expect(b.map(comparable)).toEqual(a.map(comparable));
  });

  it('should keep only records at or above minSeverity', async () => {
    const { dir, records } = await setup();
    const stats = createReadStats();
    const back = await collect(readLogRecords(dir, { minSeverity: 17, stats }));
    const expected = records.filter(
      (r) => effectiveSeverity(r.severityNumber, r.severityText) >= 17,
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(back.map(comparable)).toEqual(expected.map(comparable));
  });

  it('should keep only the records of one trace', async () => {
    const { dir, records } = await setup();
    const traceId = records[1234]!.spanContext!.traceId;
    const back = await collect(readLogRecords(dir, { traceId: traceId.toUpperCase() }));
    const expected = records.filter((r) => r.spanContext?.traceId === traceId);
    expect(back.length).toBeGreaterThan(0);
    expect(back.map(comparable)).toEqual(expected.map(comparable));
  });
});

describe('readLogRecordBatches', () => {
  it('should yield one batch per stored line with shared resource and scope objects', async () => {
    const { dir } = await setup();
    const batches = await collect(readLogRecordBatches(dir));
    expect(batches).toHaveLength(20);
    expect(batches.every((b) => b.length === 200)).toBe(true);
    const resources = new Set(batches.flat().map((r) => r.resource));
    const scopes = new Set(batches.flat().map((r) => r.instrumentationScope));
    expect(resources.size).toBe(1);
    expect(scopes.size).toBe(1);
  });
});

describe('readLogsDataLines', () => {
  it.skipIf(!HAVE_CLI_TOOLS)(
    'should pass stored lines through byte for byte when no filter applies',
    async () => {
      const { dir } = await setup();
      const lines = await collect(readLogsDataLines(dir));
      const stored = sh(
        `cat ${dir}/svc-20260101-000000.zst ${dir}/svc-20260101-000001.zst | zstd -dc`,
      );
      expect(`${lines.join('\n')}\n`).toBe(stored);
    },
  );

  it('should re-encode lines with only the matching records', async () => {
    const { dir, records } = await setup();
    const traceId = records[10]!.spanContext!.traceId;
    const lines = await collect(readLogsDataLines(dir, { traceId, minSeverity: 1 }));
    const ids = lines.flatMap((l) =>
      JSON.parse(l).resourceLogs.flatMap(
        (rl: { scopeLogs: { logRecords: { traceId: string }[] }[] }) =>
          rl.scopeLogs.flatMap((sl) => sl.logRecords.map((lr) => lr.traceId)),
      ),
    );
    expect(ids.length).toBe(records.filter((r) => r.spanContext?.traceId === traceId).length);
    expect(new Set(ids)).toEqual(new Set([traceId]));
  });
});
