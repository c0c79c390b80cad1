import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import {
  DiskBufferedLogRecordExporter,
  encodeLogRecordBatch,
  storedLogRecordBatch,
} from '@spillway/disk-buffer';
import { FailoverLogRecordExporter } from '@spillway/router';
import {
  OtlpGrpcLogsReceiver,
  SyntheticRecordGenerator,
  toReadableLogRecords,
} from '@spillway/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { takeOver } from '../src/internal/hand-over';
import { WorkerThreadLogRecordExporter } from '../src/worker-thread-log-record-exporter';

// Behind the disk buffer the worker exporter posts the bytes the WAL writer encoded (the sender
// attaches them to its batch: encodedPayloadsOf) instead of encoding each batch again. These tests
// assemble the pipeline as @spillway/node does (WAL → failover router → this exporter → OTLP gRPC)
// and fail if that path is not taken, if it delivers other fields than encoding would, or if a
// changed batch goes out as its stale bytes.

const FIXTURES = join(import.meta.dirname, 'fixtures', 'exporters.mjs');

let receiver: OtlpGrpcLogsReceiver;
beforeAll(async () => {
  receiver = await new OtlpGrpcLogsReceiver().start();
});
afterAll(() => receiver.stop());

const open: Array<{ shutdown(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.shutdown()));
  receiver.clear();
});

function worker(exportName = 'createExporter'): WorkerThreadLogRecordExporter {
  const w = new WorkerThreadLogRecordExporter({
    module: FIXTURES,
    exportName,
    options: { url: receiver.url },
  });
  open.push(w);
  return w;
}

/** The disk buffer in front of `downstream`, as @spillway/node builds it (router in between). */
function pipeline(downstream: LogRecordExporter, directory: string, shutdownTimeoutMillis = 5_000) {
  const router = new FailoverLogRecordExporter({ exporters: [downstream], names: ['otlp'] });
  const buffer = new DiskBufferedLogRecordExporter({
    exporter: router,
    directory,
    maxExportBatchSize: 300,
    retry: { initialMillis: 20, maxMillis: 50 },
    shutdownTimeoutMillis,
  });
  return buffer;
}

const send = (e: { export: LogRecordExporter['export'] }, records: ReadableLogRecord[]) =>
  new Promise<ExportResult>((resolve) => e.export(records, resolve));

const generated = (seed: number, n: number) =>
  toReadableLogRecords(new SyntheticRecordGenerator({ seed }).take(n));

/** What the receiver holds once it has `n` records, then cleared. */
async function received(n: number) {
  await receiver.waitForRecords(n);
  const got = receiver.records.slice();
  receiver.clear();
  return got;
}

describe('WorkerThreadLogRecordExporter behind the disk buffer', () => {
  describe('export', () => {
    it('should send the stored payloads, delivering the fields encoding the records would', async () => {
      const directory = mkdtempSync(join(tmpdir(), 'spillway-worker-stored-'));
      const exporter = worker();
      const buffer = pipeline(exporter, directory);
      const batches = [generated(31, 400), generated(32, 250), generated(33, 90)];
      for (const b of batches) expect((await send(buffer, b)).code).toBe(ExportResultCode.SUCCESS);
      const fast = await received(740);
      await buffer.forceFlush();
      expect(buffer.getStats().recordsFromMemory).toBe(740);
      const stats = exporter.getStats();
      // Every batch the worker got was sent as stored (how many depends on how the sender merged
      // the frames: 2 or 3).
      expect(stats.batchesEncoded).toBe(0);
      expect(stats.batchesFromStoredPayloads).toBeGreaterThanOrEqual(2);
      await buffer.shutdown();
      // The same records through the encoding path (arrays the sender never saw).
      const direct = worker();
      for (const b of batches) expect((await send(direct, b)).code).toBe(ExportResultCode.SUCCESS);
      const slow = await received(740);
      // The SDK's exporter takes no request bytes: the worker decodes each batch.
      expect(direct.getStats()).toEqual({
        batchesFromStoredPayloads: 0,
        batchesEncoded: 3,
        batchesInSharedSlots: 3,
        batchesTranscoded: 0,
        batchesDecoded: 3,
        transcodeFallbacks: 0,
      });
      expect(fast).toHaveLength(740);
      expect(fast).toEqual(slow);
    });

    it('should send the payloads read back from the WAL after a restart', async () => {
      const directory = mkdtempSync(join(tmpdir(), 'spillway-worker-stored-'));
      const records = generated(34, 500);
      // The collector refuses everything in the first run: the WAL keeps the records.
      const first = pipeline(worker('createFailing'), directory, 200);
      expect((await send(first, records)).code).toBe(ExportResultCode.SUCCESS);
      await first.shutdown();
      const exporter = worker();
      const second = pipeline(exporter, directory);
      const got = await received(500);
      await second.forceFlush();
      expect(second.getStats().recordsFromMemory).toBe(0);
      // One frame of 500 records, read back as one batch.
      expect(exporter.getStats()).toEqual({
        batchesFromStoredPayloads: 1,
        batchesEncoded: 0,
        batchesInSharedSlots: 1,
        batchesTranscoded: 0,
        batchesDecoded: 1,
        transcodeFallbacks: 0,
      });
      await second.shutdown();
      const direct = worker();
      expect((await send(direct, records)).code).toBe(ExportResultCode.SUCCESS);
      expect(got).toEqual(await received(500));
    });

    it('should encode a batch changed after the sender attached its payloads, not send stale bytes', async () => {
      const directory = mkdtempSync(join(tmpdir(), 'spillway-worker-stored-'));
      const exporter = worker();
      // A stage between the sender and this exporter that rewrites the batch in place.
      const rewriting: LogRecordExporter = {
        export(records, cb) {
          records[0] = { ...records[0]!, body: 'rewritten' };
          records.pop();
          exporter.export(records, cb);
        },
        forceFlush: () => exporter.forceFlush(),
        shutdown: async () => {},
      };
      const buffer = pipeline(rewriting, directory);
      open.push(buffer);
      expect((await send(buffer, generated(35, 100))).code).toBe(ExportResultCode.SUCCESS);
      const got = await received(99);
      await buffer.forceFlush();
      expect(got).toHaveLength(99);
      expect(got[0]!.body).toBe('rewritten');
      expect(exporter.getStats()).toEqual({
        batchesFromStoredPayloads: 0,
        batchesEncoded: 1,
        batchesInSharedSlots: 1,
        batchesTranscoded: 0,
        batchesDecoded: 1,
        transcodeFallbacks: 0,
      });
    });
  });
});

describe('WorkerThreadLogRecordExporter', () => {
  describe('exportStored', () => {
    it('should deliver the records export() of the same records delivers', async () => {
      const records = generated(37, 200);
      const payload = Buffer.from(encodeLogRecordBatch(records));
      const exporter = worker();
      const batch = storedLogRecordBatch([payload], 200);
      const result = await new Promise<ExportResult>((resolve) =>
        exporter.exportStored(batch, resolve),
      );
      expect(result.code).toBe(ExportResultCode.SUCCESS);
      const fast = await received(200);
      const direct = worker();
      // The same records through the encoding path (an array no sender ever saw).
      expect((await send(direct, records)).code).toBe(ExportResultCode.SUCCESS);
      expect(fast).toHaveLength(200);
      expect(fast).toEqual(await received(200));
      expect(exporter.getStats()).toMatchObject({
        batchesFromStoredPayloads: 1,
        batchesEncoded: 0,
        batchesInSharedSlots: 1,
      });
      expect(direct.getStats()).toMatchObject({ batchesFromStoredPayloads: 0, batchesEncoded: 1 });
    });
  });
});

describe('takeOver', () => {
  const payload = (n: number) => new Uint8Array(encodeLogRecordBatch(generated(36, n)));

  it('should decode every payload of a batch into one array, in order', () => {
    const a = payload(3);
    const b = payload(2);
    const bytes = new Uint8Array(a.length + b.length);
    bytes.set(a, 0);
    bytes.set(b, a.length);
    const records = takeOver({ bytes, lengths: [a.length, b.length], count: 5 });
    expect(records.map((r) => r.attributes['test.id'])).toEqual([0, 1, 2, 0, 1]);
  });

  it('should refuse payloads that hold another count of records, or lengths past the bytes', () => {
    const a = payload(3);
    expect(() => takeOver({ bytes: a, lengths: [a.length], count: 4 })).toThrow(
      'payloads hold 3 records, 4 were handed over',
    );
    expect(() => takeOver({ bytes: a, lengths: [a.length + 1], count: 3 })).toThrow(
      `payload lengths exceed the ${a.length} bytes handed over`,
    );
  });
});
