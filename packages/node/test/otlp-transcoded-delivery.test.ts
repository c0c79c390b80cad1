import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { DiskBufferedLogRecordExporter } from '@spillway/disk-buffer';
import {
  OtlpGrpcLogsReceiver,
  SyntheticRecordGenerator,
  toReadableLogRecords,
} from '@spillway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOtlpGrpcLogExporter } from '../src/otlp-grpc-log-exporter';

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
