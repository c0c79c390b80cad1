import * as fs from 'node:fs';
import { join } from 'node:path';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { EncryptionOptions } from '@spillway/file-exporter';
import {
  cleanLogRecord,
  emptySubstitutionCounts,
  isNormalizedBatch,
} from '@spillway/record-format';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DiskBufferedLogRecordExporter,
  type DiskBufferOptions,
  decodeLogRecordBatches,
  encodedPayloadsOf,
} from '../src/index';
import { CHECKPOINT_FILE } from '../src/internal/checkpoint';
import { comparable, hostileRecord } from './helpers/hostile-records';
import { generatedRecords, removeTempDirs, tempDir } from './helpers/records';

// The sender attaches to each WAL batch it hands downstream the codec payloads of its frames
// (encodedPayloadsOf): from memory while the collector keeps up, read back (and decrypted) after a
// restart. Each test fails if an attached payload list decodes to anything but the array's records,
// if a batch goes out without one, or if a changed array still reports the old bytes.

afterAll(removeTempDirs);

const KEY: EncryptionOptions = { keys: [{ id: 7, key: Buffer.alloc(32, 0x22) }], activeKeyId: 7 };

/** A downstream that keeps every array it was handed and what encodedPayloadsOf said of it then. */
class PayloadCheckingExporter implements LogRecordExporter {
  readonly batches: Array<{
    records: ReadableLogRecord[];
    payloads: readonly Buffer[] | undefined;
    marked: boolean;
  }> = [];
  private waiters: Array<() => void> = [];

  get records(): ReadableLogRecord[] {
    return this.batches.flatMap((b) => b.records);
  }

  export(records: ReadableLogRecord[], cb: (r: ExportResult) => void): void {
    this.batches.push({
      records,
      payloads: encodedPayloadsOf(records),
      marked: isNormalizedBatch(records),
    });
    for (const w of this.waiters.splice(0)) w();
    queueMicrotask(() => cb({ code: ExportResultCode.SUCCESS }));
  }

  async waitForRecords(n: number): Promise<void> {
    while (this.records.length < n) await new Promise<void>((r) => this.waiters.push(r));
  }

  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

function exportAll(e: DiskBufferedLogRecordExporter, records: ReadableLogRecord[]): Promise<void> {
  return new Promise((resolve, reject) =>
    e.export(records, (r) => (r.code === ExportResultCode.SUCCESS ? resolve() : reject(r.error))),
  );
}

async function deliver(
  batches: ReadableLogRecord[][],
  options: Partial<DiskBufferOptions> = {},
  expired = 0,
) {
  const dir = tempDir();
  const down = new PayloadCheckingExporter();
  const e = new DiskBufferedLogRecordExporter({ exporter: down, directory: dir, ...options });
  const total = batches.reduce((n, b) => n + b.length, 0);
  for (const b of batches) await exportAll(e, b);
  await down.waitForRecords(total - expired);
  await e.forceFlush();
  const stats = e.getStats();
  await e.shutdown();
  return { down, stats, dir, total };
}

/**
 * Every batch had payloads attached, and they decode to exactly its records, in order; and it
 * was marked normalised (later encoders skip their check) with only clean records in it.
 */
function expectPayloadsMatch(down: PayloadCheckingExporter): void {
  const counts = emptySubstitutionCounts();
  for (const { records, payloads, marked } of down.batches) {
    expect(marked).toBe(true);
    for (const r of records) expect(cleanLogRecord(r, counts)).toBe(r);
    expect(payloads).toBeDefined();
    expect(decodeLogRecordBatches(payloads!).map(comparable)).toEqual(records.map(comparable));
  }
}

describe('encodedPayloadsOf', () => {
  describe('on the batches the sender hands downstream', () => {
    it('should give, for batches from memory, the payloads that decode to exactly their records', async () => {
      const hostile = fc.sample(hostileRecord, { seed: 21, numRuns: 200 });
      const { down, stats, total } = await deliver([
        generatedRecords(300),
        hostile,
        generatedRecords(120),
      ]);
      expect(stats.recordsFromMemory).toBe(total);
      expect(down.records).toHaveLength(total);
      expectPayloadsMatch(down);
    });

    it.each([
      ['plain', {}],
      ['encrypted', { encryption: KEY }],
    ])('should give the payloads read back from a %s WAL after a restart', async (_, options) => {
      const first = await deliver([generatedRecords(250), generatedRecords(40)], options);
      // A fresh start from the first frame: every batch is read from the files and decoded.
      fs.rmSync(join(first.dir, CHECKPOINT_FILE), { force: true });
      const down = new PayloadCheckingExporter();
      const e = new DiskBufferedLogRecordExporter({
        exporter: down,
        directory: first.dir,
        ...options,
      });
      await down.waitForRecords(first.total);
      await e.forceFlush();
      expect(e.getStats().recordsFromMemory).toBe(0);
      await e.shutdown();
      expect(down.records.map(comparable)).toEqual(first.down.records.map(comparable));
      expectPayloadsMatch(down);
    });

    it('should keep the payloads when no record expired, and give none for a filtered batch', async () => {
      // The generator's clock starts in January 2026: restamped now, or all would have expired.
      const now: [number, number] = [Math.floor(Date.now() / 1000), 0];
      const stamped = (n: number, old: number) =>
        generatedRecords(n).map((r, i) => ({
          ...r,
          hrTime: i < old ? ([1, 0] as [number, number]) : now,
        }));
      const fresh = await deliver([stamped(50, 0)], { maxRecordAgeMillis: 3_600_000 });
      expect(fresh.down.batches.length).toBeGreaterThan(0);
      expectPayloadsMatch(fresh.down);
      const filtered = await deliver([stamped(10, 4)], { maxRecordAgeMillis: 3_600_000 }, 4);
      expect(filtered.stats.dropped.expired.total).toBe(4);
      expect(filtered.down.batches.map((b) => [b.records.length, b.payloads])).toEqual([
        [6, undefined],
      ]);
    });
  });

  describe('on an array changed after the sender attached its payloads', () => {
    it('should give nothing once its length or any element differs, or for another array', async () => {
      const { down } = await deliver([generatedRecords(20)]);
      const [{ records: sent, payloads }] = down.batches as [
        (typeof down.batches)[number],
        ...unknown[],
      ];
      expect(sent).toHaveLength(20);
      expect(encodedPayloadsOf(sent)).toBe(payloads);
      expect(encodedPayloadsOf(sent.slice())).toBeUndefined();
      expect(encodedPayloadsOf(generatedRecords(20))).toBeUndefined();
      const last = sent.pop()!;
      expect(encodedPayloadsOf(sent)).toBeUndefined();
      sent.push(last, last);
      expect(encodedPayloadsOf(sent)).toBeUndefined();
      sent.pop();
      // The same records again: the payloads hold exactly them.
      expect(encodedPayloadsOf(sent)).toBe(payloads);
      const first = sent[0]!;
      sent[0] = { ...first, body: 'replaced' };
      expect(encodedPayloadsOf(sent)).toBeUndefined();
      sent[0] = first;
      sent.reverse();
      expect(encodedPayloadsOf(sent)).toBeUndefined();
    });
  });
});
