import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import {
  DiskBufferedLogRecordExporter,
  encodeLogRecordBatch,
  type StoredLogRecordBatch,
  storedLogRecordBatch,
} from '@spillway/disk-buffer';
import { countDecodes } from '@spillway/testing';
import { describe, expect, it } from 'vitest';
import { takeOver, transcodeOver } from '../src/internal/hand-over';
import type { WorkerThreadLogRecordExporter } from '../src/worker-thread-log-record-exporter';
import {
  encodedAsStored,
  encodedRecording,
  generated,
  send,
  shutDownAfterTest,
} from './helpers/encoded-recording';

// A downstream that takes request bytes (exportEncoded) gets, from the worker, the request
// transcoded from the payloads: these tests read what it was handed (a log file the fixture
// writes in the worker) and fail if the bytes differ from decode + encode, if the path is not
// counted, or if a batch the transcoder declines is not decoded instead.

const setup = () => encodedRecording('spillway-transcoded-');

const sendStored = (e: WorkerThreadLogRecordExporter, batch: StoredLogRecordBatch) =>
  new Promise<ExportResult>((resolve) => e.exportStored(batch, resolve));

/** A stored batch of `records` (one codec payload, copied as the WAL holds it), counting decodes. */
const countedBatch = (records: ReadableLogRecord[], recordCount = records.length) =>
  countDecodes(storedLogRecordBatch([Buffer.from(encodeLogRecordBatch(records))], recordCount));

describe('WorkerThreadLogRecordExporter with a downstream that takes request bytes', () => {
  describe('export', () => {
    it('should hand it the request transcoded from the payloads, byte for byte, counted', async () => {
      const { exporter, calls } = setup();
      const batches = [generated(41, 300), generated(42, 1)];
      for (const b of batches)
        expect((await send(exporter, b)).code).toBe(ExportResultCode.SUCCESS);
      const got = calls();
      expect(got.map((c) => c.split(':').slice(0, 2).join(':'))).toEqual([
        'encoded:300',
        'encoded:1',
      ]);
      for (let i = 0; i < batches.length; i++) {
        const bytes = Buffer.from(got[i]!.split(':')[2]!, 'base64');
        expect(bytes.equals(encodedAsStored(batches[i]!))).toBe(true);
      }
      expect(exporter.getStats()).toEqual({
        batchesFromStoredPayloads: 0,
        batchesEncoded: 2,
        batchesInSharedSlots: 2,
        batchesTranscoded: 2,
        batchesDecoded: 0,
        transcodeFallbacks: 0,
      });
    });

    it('should decode a batch the transcoder declines and export its records, counted', async () => {
      const { exporter, calls } = setup();
      const records = generated(43, 20);
      // Ids that are not hex are kept as text: only the SDK's serializer knows what to make of them.
      records[3] = {
        ...records[3]!,
        spanContext: { traceId: 'not-hex', spanId: 'nope', traceFlags: 1 },
      };
      expect((await send(exporter, records)).code).toBe(ExportResultCode.SUCCESS);
      expect((await send(exporter, generated(44, 5))).code).toBe(ExportResultCode.SUCCESS);
      expect(calls().map((c) => c.split(':').slice(0, 2).join(':'))).toEqual([
        'export:20',
        'encoded:5',
      ]);
      expect(exporter.getStats()).toEqual({
        batchesFromStoredPayloads: 0,
        batchesEncoded: 2,
        batchesInSharedSlots: 2,
        batchesTranscoded: 1,
        batchesDecoded: 1,
        transcodeFallbacks: 1,
      });
    });

    it('should transcode the stored payloads behind the disk buffer', async () => {
      const { exporter, calls } = setup();
      const buffer = new DiskBufferedLogRecordExporter({
        exporter,
        directory: mkdtempSync(join(tmpdir(), 'spillway-transcoded-wal-')),
        maxExportBatchSize: 300,
      });
      shutDownAfterTest(buffer);
      const records = generated(45, 250);
      expect((await send(buffer, records)).code).toBe(ExportResultCode.SUCCESS);
      await buffer.forceFlush();
      const stats = exporter.getStats();
      expect(stats.batchesEncoded).toBe(0);
      expect(stats.batchesFromStoredPayloads).toBeGreaterThanOrEqual(1);
      expect(stats.batchesTranscoded).toBe(stats.batchesFromStoredPayloads);
      expect(stats.transcodeFallbacks).toBe(0);
      const counts = calls().map((c) => Number(c.split(':')[1]));
      expect(counts.reduce((a, b) => a + b, 0)).toBe(250);
    });
  });
});

describe('WorkerThreadLogRecordExporter.exportStored', () => {
  it('should hand the stored payloads over undecoded, transcoded in the worker, counted as stored', async () => {
    const { exporter, calls } = setup();
    const records = generated(48, 120);
    const { batch, decodes } = countedBatch(records);
    expect((await sendStored(exporter, batch)).code).toBe(ExportResultCode.SUCCESS);
    expect(decodes()).toBe(0);
    const [call, ...rest] = calls();
    expect(rest).toEqual([]);
    expect(call!.split(':').slice(0, 2).join(':')).toBe('encoded:120');
    expect(Buffer.from(call!.split(':')[2]!, 'base64').equals(encodedAsStored(records))).toBe(true);
    expect(exporter.getStats()).toEqual({
      batchesFromStoredPayloads: 1,
      batchesEncoded: 0,
      batchesInSharedSlots: 1,
      batchesTranscoded: 1,
      batchesDecoded: 0,
      transcodeFallbacks: 0,
    });
  });

  it('should have the worker decode a stored batch the transcoder declines, still not on this thread', async () => {
    const { exporter, calls } = setup();
    const records = generated(49, 20);
    records[5] = {
      ...records[5]!,
      spanContext: { traceId: 'not-hex', spanId: 'nope', traceFlags: 1 },
    };
    const { batch, decodes } = countedBatch(records);
    expect((await sendStored(exporter, batch)).code).toBe(ExportResultCode.SUCCESS);
    expect(decodes()).toBe(0);
    expect(calls()).toEqual(['export:20']);
    expect(exporter.getStats()).toMatchObject({
      batchesFromStoredPayloads: 1,
      batchesDecoded: 1,
      transcodeFallbacks: 1,
    });
  });

  it('should fail a stored batch whose payloads hold another count of records', async () => {
    const { exporter } = setup();
    const { batch, decodes } = countedBatch(generated(50, 3), 4);
    const result = await sendStored(exporter, batch);
    expect(result.code).toBe(ExportResultCode.FAILED);
    expect(result.error?.message).toContain('payloads hold 3 records, 4 were handed over');
    expect(decodes()).toBe(0);
  });

  it('should fail a stored batch after shutdown, as export does', async () => {
    const { exporter } = setup();
    await exporter.shutdown();
    const { batch, decodes } = countedBatch(generated(51, 2));
    const result = await sendStored(exporter, batch);
    expect(result.code).toBe(ExportResultCode.FAILED);
    expect(result.error?.message).toContain('shut down');
    expect(decodes()).toBe(0);
  });
});

describe('transcodeOver', () => {
  const batchOf = (...payloads: Buffer[]) => {
    const bytes = Buffer.concat(payloads);
    return { bytes, lengths: payloads.map((p) => p.length) };
  };

  it('should refuse payloads that hold another count of records, as takeOver does', () => {
    const batch = batchOf(encodeLogRecordBatch(generated(46, 3)));
    expect(transcodeOver({ ...batch, count: 3 })?.recordCount).toBe(3);
    expect(() => transcodeOver({ ...batch, count: 4 })).toThrow(
      'payloads hold 3 records, 4 were handed over',
    );
    expect(() => takeOver({ ...batch, count: 4 })).toThrow('payloads hold 3 records');
  });

  it('should throw on a damaged payload as takeOver does (the worker then fails the export)', () => {
    const p = encodeLogRecordBatch(generated(47, 3));
    const batch = batchOf(p.subarray(0, p.length - 7));
    expect(() => transcodeOver({ ...batch, count: 3 })).toThrow(/overrun|text/);
    expect(() => takeOver({ ...batch, count: 3 })).toThrow(/overrun|text|bytes after/);
  });
});
