import * as fs from 'node:fs';
import { join } from 'node:path';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import {
  DiskBufferedLogRecordExporter,
  type DiskBufferOptions,
  decodeLogRecordBatches,
  encodedPayloadsOf,
  type StoredBatchLogRecordExporter,
  type StoredLogRecordBatch,
} from '../src/index';
import { CHECKPOINT_FILE } from '../src/internal/checkpoint';
import { BatchDecoder } from '../src/internal/record-decoder';
import { comparable } from './helpers/hostile-records';
import { generatedRecords, removeTempDirs, tempDir } from './helpers/records';

// Frames the sender reads back from the WAL are handed to a downstream that takes stored batches
// as their bytes, undecoded (a BatchDecoder spy counts every decode); one that does not gets the
// decoded records as before. Each test fails if the sender decodes what it need not, loses or
// repeats a record, or miscounts one.

afterAll(removeTempDirs);
afterEach(() => vi.restoreAllMocks());

/** Takes stored batches (as spillway's OTLP and worker exporters do); fails the first `failFirst`. */
class StoredTakingExporter implements StoredBatchLogRecordExporter {
  readonly stored: StoredLogRecordBatch[] = [];
  readonly plain: ReadableLogRecord[][] = [];
  private waiters: Array<() => void> = [];

  constructor(private failFirst = 0) {}

  get delivered(): number {
    return (
      this.stored.reduce((n, b) => n + b.recordCount, 0) +
      this.plain.reduce((n, b) => n + b.length, 0)
    );
  }

  exportStored(batch: StoredLogRecordBatch, cb: (r: ExportResult) => void): void {
    if (this.failFirst > 0) {
      this.failFirst--;
      queueMicrotask(() => cb({ code: ExportResultCode.FAILED, error: new Error('injected') }));
      return;
    }
    this.stored.push(batch);
    this.settled(cb);
  }

  export(records: ReadableLogRecord[], cb: (r: ExportResult) => void): void {
    this.plain.push(records);
    this.settled(cb);
  }

  private settled(cb: (r: ExportResult) => void): void {
    for (const w of this.waiters.splice(0)) w();
    queueMicrotask(() => cb({ code: ExportResultCode.SUCCESS }));
  }

  async waitFor(n: number): Promise<void> {
    while (this.delivered < n) await new Promise<void>((r) => this.waiters.push(r));
  }

  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

function exportAll(e: DiskBufferedLogRecordExporter, records: ReadableLogRecord[]): Promise<void> {
  return new Promise((resolve, reject) =>
    e.export(records, (r) => (r.code === ExportResultCode.SUCCESS ? resolve() : reject(r.error))),
  );
}

/**
 * Writes and delivers `records` through a WAL, then starts again from its first frame (no
 * checkpoint) with `down` and `options`: every batch is read back from the files.
 */
async function readBack(
  records: ReadableLogRecord[],
  down: StoredTakingExporter,
  options: Partial<DiskBufferOptions> = {},
) {
  const dir = tempDir();
  const firstDown = new StoredTakingExporter();
  // The first run without `options` (an age limit would drop records before they are stored).
  const first = new DiskBufferedLogRecordExporter({ exporter: firstDown, directory: dir });
  for (let i = 0; i < records.length; i += 100) await exportAll(first, records.slice(i, i + 100));
  await firstDown.waitFor(records.length);
  await first.shutdown();
  fs.rmSync(join(dir, CHECKPOINT_FILE), { force: true });
  const decodes = vi.spyOn(BatchDecoder.prototype, 'decode');
  const e = new DiskBufferedLogRecordExporter({ exporter: down, directory: dir, ...options });
  return { e, decodes };
}

describe('delivery of batches read back from the WAL', () => {
  it('should hand a downstream that takes stored batches their bytes, never decoding them', async () => {
    const records = generatedRecords(700);
    const down = new StoredTakingExporter();
    const { e, decodes } = await readBack(records, down);
    await down.waitFor(records.length);
    await e.forceFlush();
    const stats = e.getStats();
    await e.shutdown();
    expect(decodes).not.toHaveBeenCalled();
    expect(down.plain).toHaveLength(0);
    expect(stats.recordsFromMemory).toBe(0);
    expect(stats.recordsDelivered).toBe(records.length);
    // The bytes decode to exactly what was written, in order, once each.
    const got = down.stored.flatMap((b) => decodeLogRecordBatches([...b.payloads]));
    expect(got.map(comparable)).toEqual(records.map(comparable));
    for (const b of down.stored) {
      expect(decodeLogRecordBatches([...b.payloads])).toHaveLength(b.recordCount);
      // Decoded on demand: the records carry their payloads, as a decoded batch did.
      const rs = b.records();
      expect(b.records()).toBe(rs);
      expect(encodedPayloadsOf(rs)).toEqual(b.payloads);
    }
  });

  it('should keep every payload intact while later reads fill new chunks (no copy is made)', async () => {
    // More than the reader's 1 MiB chunk: the batches hold views of several chunks at once.
    const records = generatedRecords(9000);
    const down = new StoredTakingExporter();
    const { e } = await readBack(records, down);
    await down.waitFor(records.length);
    await e.shutdown();
    const bytes = down.stored.reduce((n, b) => n + b.payloads.reduce((m, p) => m + p.length, 0), 0);
    expect(bytes).toBeGreaterThan(2 * 1024 * 1024);
    // Decoded only now, after every read: a reader that reused its buffer would fail here.
    const got = down.stored.flatMap((b) => decodeLogRecordBatches([...b.payloads]));
    expect(got.map(comparable)).toEqual(records.map(comparable));
  });

  it('should decode only where the age limit may drop records, and count what it drops', async () => {
    const now = Math.floor(Date.now() / 1000);
    const records = generatedRecords(300).map((r, i) => ({
      ...r,
      // Every third record is a day old, the rest current.
      hrTime: [i % 3 === 0 ? now - 86_400 : now, 0] as [number, number],
    }));
    const down = new StoredTakingExporter();
    const { e, decodes } = await readBack(records, down, { maxRecordAgeMillis: 3_600_000 });
    await down.waitFor(200);
    await e.forceFlush();
    const stats = e.getStats();
    await e.shutdown();
    expect(stats.dropped.expired.total).toBe(100);
    expect(stats.recordsDelivered).toBe(200);
    expect(decodes).toHaveBeenCalled();
    const got = [...down.stored.flatMap((b) => b.records()), ...down.plain.flat()].map(
      (r) => r.hrTime[0],
    );
    expect(got).toEqual(new Array(200).fill(now));
  });

  it('should not decode current records under an age limit', async () => {
    const now = Math.floor(Date.now() / 1000);
    const records = generatedRecords(300).map((r) => ({
      ...r,
      hrTime: [now, 0] as [number, number],
    }));
    const down = new StoredTakingExporter();
    const { e, decodes } = await readBack(records, down, { maxRecordAgeMillis: 3_600_000 });
    await down.waitFor(records.length);
    await e.shutdown();
    expect(decodes).not.toHaveBeenCalled();
    expect(down.plain).toHaveLength(0);
  });

  it('should retry a failed stored batch whole, decoded once first, and deliver it once', async () => {
    const records = generatedRecords(150);
    const down = new StoredTakingExporter(2);
    const { e, decodes } = await readBack(records, down, {
      retry: { initialMillis: 1, maxMillis: 2, jitter: 0 },
    });
    await down.waitFor(records.length);
    await e.forceFlush();
    const stats = e.getStats();
    await e.shutdown();
    expect(stats.retries).toBe(2);
    expect(stats.recordsDelivered).toBe(records.length);
    // Only the batch that failed was decoded (before each retry; memoised: one decode per frame).
    expect(decodes.mock.calls.length).toBeGreaterThan(0);
    expect(decodes.mock.calls.length).toBeLessThanOrEqual(down.stored[0]!.payloads.length);
    const got = down.stored.flatMap((b) => decodeLogRecordBatches([...b.payloads]));
    expect(got.map(comparable)).toEqual(records.map(comparable));
  });

  it('should hand an exporter without exportStored the decoded records, payloads attached', async () => {
    const records = generatedRecords(400);
    const down = new StoredTakingExporter();
    (down as { exportStored?: unknown }).exportStored = undefined;
    const { e, decodes } = await readBack(records, down);
    await down.waitFor(records.length);
    await e.shutdown();
    expect(down.stored).toHaveLength(0);
    expect(decodes).toHaveBeenCalled();
    expect(down.plain.flat().map(comparable)).toEqual(records.map(comparable));
    for (const b of down.plain) expect(encodedPayloadsOf(b)).toBeDefined();
  });
});
