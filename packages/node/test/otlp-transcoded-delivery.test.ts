import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExportResult } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import {
  DiskBufferedLogRecordExporter,
  encodeLogRecordBatch,
  type StoredLogRecordBatch,
  storedLogRecordBatch,
} from '@spillway/disk-buffer';
import {
  countDecodes,
  OtlpGrpcLogsReceiver,
  SyntheticRecordGenerator,
  toReadableLogRecords,
} from '@spillway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOtlpGrpcLogExporter, type OtlpGrpcLogExporter } from '../src/otlp-grpc-log-exporter';
import { buffersGiven } from './helpers/buffers-given';

// The main-thread pipeline's last two stages: the disk buffer's sender hands the OTLP exporter
// batches with their WAL payloads attached, and the exporter writes the request from them.
describe('createOtlpGrpcLogExporter behind a disk buffer', () => {
  let receiver: OtlpGrpcLogsReceiver;
  const dirs: string[] = [];
  beforeAll(async () => {
    receiver = await new OtlpGrpcLogsReceiver().start();
  });
  afterAll(async () => {
    await receiver.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const send = (exporter: LogRecordExporter, records: ReadableLogRecord[]) =>
    new Promise<number>((resolve) => exporter.export(records, (r) => resolve(r.code)));
  const tempDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'spillway-node-transcoded-'));
    dirs.push(d);
    return d;
  };
  const records = toReadableLogRecords(new SyntheticRecordGenerator({ seed: 21 }).take(300), 'svc');

  /** What the receiver gets for `records` encoded by the exporter itself (no payloads). */
  async function encodedDirectly(): Promise<unknown[]> {
    const direct = createOtlpGrpcLogExporter({ url: receiver.url });
    receiver.records.length = 0;
    expect(await send(direct, records)).toBe(0);
    expect(direct.getEncodingStats?.()).toMatchObject({ batchesEncoded: 1, batchesTranscoded: 0 });
    await direct.shutdown();
    return receiver.records.splice(0);
  }

  it('writes a batch delivered from memory from its payloads: the same records arrive', async () => {
    const want = await encodedDirectly();
    const ours = createOtlpGrpcLogExporter({ url: receiver.url });
    const buffer = new DiskBufferedLogRecordExporter({ exporter: ours, directory: tempDir() });
    expect(await send(buffer, records)).toBe(0);
    await buffer.forceFlush();
    expect(receiver.records.splice(0)).toEqual(want);
    const stats = ours.getEncodingStats?.();
    expect(stats?.batchesTranscoded).toBeGreaterThanOrEqual(1);
    expect(stats).toMatchObject({ batchesEncoded: 0, batchesBySdkSerializer: 0 });
    await buffer.shutdown();
  });

  it('writes a batch read back from the WAL after a restart from its payloads', async () => {
    const want = await encodedDirectly();
    const directory = tempDir();
    // A first run whose collector refuses everything: the records stay in its WAL.
    const refusing: LogRecordExporter = {
      export: (_r, cb) => cb({ code: 1, error: new Error('collector down') }),
      forceFlush: async () => {},
      shutdown: async () => {},
    };
    const first = new DiskBufferedLogRecordExporter({
      exporter: refusing,
      directory,
      retry: { initialMillis: 60_000, maxMillis: 60_000 },
      shutdownTimeoutMillis: 100,
    });
    expect(await send(first, records)).toBe(0);
    await first.shutdown();
    const ours = createOtlpGrpcLogExporter({ url: receiver.url });
    const second = new DiskBufferedLogRecordExporter({ exporter: ours, directory });
    await second.forceFlush();
    expect(receiver.records.splice(0)).toEqual(want);
    const stats = ours.getEncodingStats?.();
    expect(stats?.batchesTranscoded).toBeGreaterThanOrEqual(1);
    expect(stats).toMatchObject({ batchesEncoded: 0, batchesBySdkSerializer: 0 });
    expect(second.getStats().recordsFromMemory).toBe(0);
    await second.shutdown();
  });
});

describe('createOtlpGrpcLogExporter', () => {
  describe('exportStored', () => {
    let receiver: OtlpGrpcLogsReceiver;
    beforeAll(async () => {
      receiver = await new OtlpGrpcLogsReceiver().start();
    });
    afterAll(() => receiver.stop());

    const open: OtlpGrpcLogExporter[] = [];
    afterAll(async () => {
      await Promise.all(open.map((e) => e.shutdown()));
    });
    const exporter = () => {
      const e = createOtlpGrpcLogExporter({ url: receiver.url });
      open.push(e);
      return e;
    };
    const generated = (seed: number, n: number) =>
      toReadableLogRecords(new SyntheticRecordGenerator({ seed }).take(n), 'svc');

    /** A stored batch of `records` (one codec payload, copied as the WAL holds it), counting decodes. */
    const countedBatch = (records: ReadableLogRecord[], recordCount = records.length) =>
      countDecodes(storedLogRecordBatch([Buffer.from(encodeLogRecordBatch(records))], recordCount));
    const sendStored = (e: OtlpGrpcLogExporter, batch: StoredLogRecordBatch) => {
      const { exportStored } = e;
      if (exportStored === undefined) throw new Error('the exporter has no exportStored');
      return new Promise<ExportResult>((resolve) => exportStored.call(e, batch, resolve));
    };

    /** What the receiver gets when a fresh exporter encodes `records` itself. */
    async function exported(records: ReadableLogRecord[]): Promise<unknown[]> {
      receiver.clear();
      const e = exporter();
      const result = await new Promise<ExportResult>((resolve) => e.export(records, resolve));
      expect(result.code).toBe(0);
      return receiver.records.splice(0);
    }

    it('should send the request transcoded from the payloads, never decoding the batch', async () => {
      const records = generated(61, 250);
      const want = await exported(records);
      const ours = exporter();
      const { batch, decodes } = countedBatch(records);
      expect((await sendStored(ours, batch)).code).toBe(0);
      expect(receiver.records.splice(0)).toEqual(want);
      expect(want).toHaveLength(250);
      expect(decodes()).toBe(0);
      expect(ours.getEncodingStats?.()).toEqual({
        batchesEncoded: 0,
        batchesBySdkSerializer: 0,
        batchesPreEncoded: 0,
        batchesTranscoded: 1,
      });
    });

    it('should export the records of a batch the transcoder declines, through the SDK serializer', async () => {
      const records = generated(62, 30);
      // Ids kept as text: the transcoder and the encoder decline them, the SDK's serializer writes them.
      records[4] = {
        ...records[4]!,
        spanContext: { traceId: 'not-hex', spanId: 'nope', traceFlags: 1 },
      };
      const want = await exported(records);
      const ours = exporter();
      const { batch, decodes } = countedBatch(records);
      expect((await sendStored(ours, batch)).code).toBe(0);
      expect(receiver.records.splice(0)).toEqual(want);
      expect(want).toHaveLength(30);
      expect(decodes()).toBe(1);
      expect(ours.getEncodingStats?.()).toEqual({
        batchesEncoded: 0,
        batchesBySdkSerializer: 1,
        batchesPreEncoded: 0,
        batchesTranscoded: 0,
      });
    });

    it('should export the decoded records when the payloads hold another count than the batch says', async () => {
      const records = generated(63, 3);
      const want = await exported(records);
      const ours = exporter();
      const { batch, decodes } = countedBatch(records, 4);
      expect((await sendStored(ours, batch)).code).toBe(0);
      expect(receiver.records.splice(0)).toEqual(want);
      expect(decodes()).toBe(1);
      expect(ours.getEncodingStats?.()).toMatchObject({ batchesTranscoded: 0, batchesEncoded: 1 });
    });

    /** The ArrayBuffers the gRPC transport is given (`Buffer.from(data)`) while `run` runs. */
    const arrayBuffersGiven = async (run: () => Promise<void>) =>
      (await buffersGiven(run)).filter((b) => b instanceof ArrayBuffer);

    it('should lend each request its buffer and reuse it once the export is done', async () => {
      const sets = [generated(71, 40), generated(72, 300), generated(73, 7)];
      const wants: unknown[][] = [];
      for (const records of sets) wants.push(await exported(records));
      const ours = exporter();
      const given = await arrayBuffersGiven(async () => {
        for (const [i, records] of sets.entries()) {
          receiver.clear();
          expect((await sendStored(ours, countedBatch(records).batch)).code).toBe(0);
          expect(receiver.records.splice(0)).toEqual(wants[i]);
        }
      });
      // One buffer, resized for each request and given back in each export's callback.
      expect(given).toHaveLength(3);
      expect(new Set(given).size).toBe(1);
    });

    it('should keep a lent buffer while its export is in flight, lending the next its own', async () => {
      const [a, b, c] = [generated(74, 120), generated(75, 60), generated(76, 200)];
      const [wantA, wantB, wantC] = [await exported(a), await exported(b), await exported(c)];
      const ours = exporter();
      receiver.clear();
      const given = await arrayBuffersGiven(async () => {
        // Both in flight at once (the collector answers late): neither may reuse the other's.
        receiver.latencyMs = 150;
        try {
          const results = await Promise.all([
            sendStored(ours, countedBatch(a).batch),
            sendStored(ours, countedBatch(b).batch),
          ]);
          expect(results.map((r) => r.code)).toEqual([0, 0]);
        } finally {
          receiver.latencyMs = 0;
        }
        const got = receiver.records.splice(0);
        expect([
          [...wantA, ...wantB],
          [...wantB, ...wantA],
        ]).toContainEqual(got);
        expect((await sendStored(ours, countedBatch(c).batch)).code).toBe(0);
        expect(receiver.records.splice(0)).toEqual(wantC);
      });
      expect(given).toHaveLength(3);
      expect(given[1]).not.toBe(given[0]);
      // Both were given back in their callbacks: the third reuses one of them.
      expect(given.slice(0, 2)).toContain(given[2]);
    });

    it('should fail a batch that neither transcodes nor decodes, sending nothing', async () => {
      receiver.clear();
      const ours = exporter();
      const garbage = storedLogRecordBatch([Buffer.from('not a record-codec payload')], 2);
      const result = await sendStored(ours, garbage);
      expect(result.code).toBe(1);
      expect(result.error).toBeInstanceOf(Error);
      expect(receiver.requestCount).toBe(0);
      expect(ours.getEncodingStats?.()).toEqual({
        batchesEncoded: 0,
        batchesBySdkSerializer: 0,
        batchesPreEncoded: 0,
        batchesTranscoded: 0,
      });
    });
  });
});
