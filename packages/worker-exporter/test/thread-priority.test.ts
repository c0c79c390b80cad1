import { mkdtempSync, readFileSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { SyntheticRecordGenerator, toReadableLogRecords } from '@spillway/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { WorkerThreadLogRecordExporter } from '../src/worker-thread-log-record-exporter';

// The export worker lowers its own thread's priority (Linux: per-thread nice values), so that the
// event loop gets a contended core before serialisation does; the thread that creates it keeps
// its own. Read from /proc/thread-self/stat by the downstream exporter, in the worker.

const FIXTURES = join(import.meta.dirname, 'fixtures', 'exporters.mjs');
const linux = process.platform === 'linux';
if (!linux)
  console.log(`thread-priority: skipped on ${process.platform} (nice is per process there)`);

const open: WorkerThreadLogRecordExporter[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.shutdown()));
});

/** The nice value the worker's exports ran at, with `priorityIncrement` (undefined: default). */
async function workerNice(priorityIncrement?: number): Promise<number> {
  const log = join(mkdtempSync(join(tmpdir(), 'spillway-nice-')), 'calls.log');
  const exporter = new WorkerThreadLogRecordExporter({
    module: FIXTURES,
    exportName: 'createNiceReporting',
    options: { log },
    ...(priorityIncrement === undefined ? {} : { priorityIncrement }),
  });
  open.push(exporter);
  const result = await new Promise<ExportResult>((r) =>
    exporter.export(toReadableLogRecords(new SyntheticRecordGenerator({ seed: 7 }).take(3)), r),
  );
  expect(result.code).toBe(ExportResultCode.SUCCESS);
  const line = readFileSync(log, 'utf8').trim();
  expect(line).toMatch(/^nice:-?\d+$/);
  return Number(line.slice('nice:'.length));
}

describe.runIf(linux)('WorkerThreadLogRecordExporter thread priority', () => {
  it('should run the worker 10 nice steps below the thread that created it by default', async () => {
    const mine = getPriority();
    expect(await workerNice()).toBe(Math.min(19, mine + 10));
    // This thread is left as it was.
    expect(getPriority()).toBe(mine);
  });

  it('should take another increment, and 0 for the same priority', async () => {
    const mine = getPriority();
    expect(await workerNice(3)).toBe(Math.min(19, mine + 3));
    expect(await workerNice(0)).toBe(mine);
  });

  it('should refuse an increment that is not an integer from 0 to 19', () => {
    for (const bad of [-1, 20, 1.5, Number.NaN]) {
      expect(
        () => new WorkerThreadLogRecordExporter({ module: FIXTURES, priorityIncrement: bad }),
      ).toThrow(/priorityIncrement must be an integer from 0 to 19/);
    }
  });
});
