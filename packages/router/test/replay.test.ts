import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { listCompressedFiles, ZstdFileLogRecordExporter } from '@spillway/file-exporter';
import { describe, expect, it, vi } from 'vitest';
import { FailoverLogRecordExporter } from '../src/failover-log-record-exporter';
import { buildChild } from './child-process';
import {
  Batches,
  exportBatch,
  grpcPrimary,
  ids,
  KnobExporter,
  onCleanup,
  tally,
  tempDir,
  writeFallbackFiles,
  zstFiles,
} from './helpers';

const CRASH_ITERATIONS = Number(process.env.SPILLWAY_ROUTER_CRASH_ITERATIONS ?? 1);

function batchesOf(b: Batches, count: number, size: number): ReadableLogRecord[][] {
  return Array.from({ length: count }, () => b.next(size));
}

describe('FailoverLogRecordExporter', () => {
  describe('replay', () => {
    it('should deliver every record written during an outage to the receiver exactly once, then delete the files', async () => {
      const dir = tempDir();
      const { receiver, otlp } = await grpcPrimary();
      const zstd = new ZstdFileLogRecordExporter({ directory: dir });
      const failover = new FailoverLogRecordExporter({
        exporters: [otlp, zstd],
        retryIntervalMillis: 200,
        replay: { settleMillis: 100, ratePerSecond: 100_000, batchSize: 25 },
      });
      onCleanup(() => failover.shutdown());
      const b = new Batches();
      let sent = 0;
      const send = async () => {
        sent += 20;
        return exportBatch(failover, b.next(20));
      };
      await receiver.stop();
      for (let i = 0; i < 10; i++) expect((await send()).code).toBe(0);
      await failover.forceFlush();
      expect(zstFiles(dir).length).toBeGreaterThanOrEqual(1);
      await receiver.start();
      // Live batches probe the primary; gRPC reconnects with its own backoff, hence a few tries.
      for (let i = 0; i < 40 && failover.getStats().targets[0]?.state !== 'closed'; i++) {
        await send();
        await failover.forceFlush();
        if (failover.getStats().targets[0]?.state !== 'closed')
          await new Promise((r) => setTimeout(r, 250));
      }
      expect(failover.getStats().targets[0]?.state).toBe('closed');
      await receiver.waitFor(
        () => tally(ids(receiver.records), sent).missing.length === 0,
        20_000,
        'every record',
      );
      await vi.waitFor(
        () => expect(failover.getStats().replay).toMatchObject({ state: 'idle', filesPending: 0 }),
        { timeout: 10_000 },
      );
      expect(tally(ids(receiver.records), sent)).toEqual({ missing: [], duplicates: 0 });
      const replay = failover.getStats().replay;
      expect(replay.recordsReplayed).toBe(zstd.getStats().recordsWritten);
      expect(replay.filesReplayed).toBe(zstd.getStats().filesWritten);
      expect(replay.dropped.unreadable.total).toBe(0);
      expect(zstFiles(dir)).toEqual([]);
      expect(existsSync(join(dir, '.replay-checkpoint.json'))).toBe(false);
    });

    it('should keep writing one fallback file through an outage, not one per batch', async () => {
      const dir = tempDir();
      const { receiver, otlp } = await grpcPrimary();
      const zstd = new ZstdFileLogRecordExporter({ directory: dir });
      const failover = new FailoverLogRecordExporter({
        exporters: [otlp, zstd],
        retryIntervalMillis: 60_000,
        replay: { settleMillis: 100 },
      });
      onCleanup(() => failover.shutdown());
      const b = new Batches();
      await receiver.stop();
      for (let i = 0; i < 30; i++) expect((await exportBatch(failover, b.next(20))).code).toBe(0);
      await failover.forceFlush();
      expect(zstd.getStats().recordsWritten).toBe(600);
      expect(zstFiles(dir)).toHaveLength(1);
    });

    it('should replay a batch that fell back while the circuit stayed closed, without further traffic', async () => {
      const dir = tempDir();
      const { receiver, otlp } = await grpcPrimary();
      const zstd = new ZstdFileLogRecordExporter({ directory: dir });
      const failover = new FailoverLogRecordExporter({
        exporters: [otlp, zstd],
        replay: { settleMillis: 50 },
      });
      onCleanup(() => failover.shutdown());
      receiver.failNext(1, 14);
      expect((await exportBatch(failover, new Batches().next(10))).code).toBe(0);
      expect(failover.getStats().targets[0]).toMatchObject({ state: 'closed', batchesFailed: 1 });
      await receiver.waitForRecords(10, 10_000);
      expect(tally(ids(receiver.records), 10)).toEqual({ missing: [], duplicates: 0 });
      await vi.waitFor(() => expect(zstFiles(dir)).toEqual([]), { timeout: 10_000 });
    });

    it('should probe the primary with a replay batch when no live traffic comes after an outage', async () => {
      const dir = tempDir();
      const { receiver, otlp } = await grpcPrimary();
      const zstd = new ZstdFileLogRecordExporter({ directory: dir });
      const failover = new FailoverLogRecordExporter({
        exporters: [otlp, zstd],
        retryIntervalMillis: 200,
        maxRetryIntervalMillis: 400,
        replay: { settleMillis: 50, batchSize: 10 },
      });
      onCleanup(() => failover.shutdown());
      await receiver.stop();
      const b = new Batches();
      for (let i = 0; i < 3; i++) await exportBatch(failover, b.next(20));
      expect(failover.getStats().targets[0]?.state).toBe('open');
      await receiver.start();
      await receiver.waitForRecords(60, 20_000);
      expect(tally(ids(receiver.records), 60)).toEqual({ missing: [], duplicates: 0 });
      expect(failover.getStats().targets[0]?.state).toBe('closed');
      await vi.waitFor(() => expect(zstFiles(dir)).toEqual([]), { timeout: 10_000 });
    });

    it('should close (rotate) the file being written before replaying it, and replay files an earlier process left', async () => {
      const dir = tempDir();
      const b = new Batches();
      await writeFallbackFiles(dir, batchesOf(b, 3, 10));
      const { receiver, otlp } = await grpcPrimary();
      const zstd = new ZstdFileLogRecordExporter({ directory: dir });
      // Threshold 1: one live failure opens the circuit, and replay probes at each retry time.
      const failover = new FailoverLogRecordExporter({
        exporters: [otlp, zstd],
        failureThreshold: 1,
        retryIntervalMillis: 100,
        maxRetryIntervalMillis: 400,
        replay: { settleMillis: 50, ratePerSecond: 100_000 },
      });
      onCleanup(() => failover.shutdown());
      // A live batch during an outage goes to the exporter's open file; replay rotates that file,
      // then replays and deletes it with the older ones.
      const outage = async () => {
        await receiver.stop();
        expect((await exportBatch(failover, b.next(10))).code).toBe(0);
        await receiver.start();
      };
      await outage();
      await receiver.waitForRecords(40, 20_000);
      await vi.waitFor(() => expect(zstFiles(dir)).toEqual([]), { timeout: 10_000 });
      expect(failover.getStats().replay).toMatchObject({ filesReplayed: 4, recordsReplayed: 40 });
      // The exporter goes on with a new file after the rotation: nothing written later is lost.
      await outage();
      await receiver.waitForRecords(50, 20_000);
      expect(tally(ids(receiver.records), 50)).toEqual({ missing: [], duplicates: 0 });
      expect(zstd.getStats().recordsWritten).toBe(20);
      await vi.waitFor(() => expect(zstFiles(dir)).toEqual([]), { timeout: 10_000 });
    });

    it('should count and skip a replay batch the primary rejects for good', async () => {
      const dir = tempDir();
      const b = new Batches();
      await writeFallbackFiles(dir, batchesOf(b, 1, 30));
      const primary = new KnobExporter();
      let calls = 0;
      primary.onExport = () => {
        calls++;
        primary.failWith =
          calls === 1
            ? Object.assign(new Error('3 INVALID_ARGUMENT: bad'), { code: 3 })
            : undefined;
      };
      const failover = new FailoverLogRecordExporter({
        exporters: [primary, new ZstdFileLogRecordExporter({ directory: dir })],
        replay: { settleMillis: 0, batchSize: 10 },
      });
      onCleanup(() => failover.shutdown());
      await vi.waitFor(
        () => expect(failover.getStats().replay).toMatchObject({ state: 'idle', filesReplayed: 1 }),
        {
          timeout: 10_000,
        },
      );
      expect(ids(primary.received as unknown as { attributes: Record<string, unknown> }[])).toEqual(
        // The first batch (records 0–9) was refused; the rest went on.
        Array.from({ length: 20 }, (_, i) => 10 + i),
      );
      expect(failover.getStats().replay).toMatchObject({
        recordsReplayed: 20,
        dropped: { rejected: { total: 10 } },
      });
      expect(failover.getStats().targets[0]?.state).toBe('closed');
    });

    it('should replay beside live exports, pacing replay to ratePerSecond', async () => {
      const dir = tempDir();
      const b = new Batches();
      await writeFallbackFiles(dir, batchesOf(b, 4, 100));
      const primary = new KnobExporter();
      let started = 0;
      primary.onExport = () => {
        started ||= Date.now();
      };
      const failover = new FailoverLogRecordExporter({
        exporters: [primary, new ZstdFileLogRecordExporter({ directory: dir })],
        replay: { settleMillis: 0, ratePerSecond: 1_000, batchSize: 50 },
      });
      onCleanup(() => failover.shutdown());
      await vi.waitFor(
        () => expect(failover.getStats().replay.recordsReplayed).toBeGreaterThan(0),
        {
          timeout: 10_000,
          interval: 5,
        },
      );
      // A live export is not queued behind the backlog: it is delivered while replay goes on.
      expect((await exportBatch(failover, b.next(5))).code).toBe(0);
      expect(failover.getStats().replay.recordsReplayed).toBeLessThan(400);
      await vi.waitFor(
        () =>
          expect(failover.getStats().replay).toMatchObject({
            state: 'idle',
            filesPending: 0,
            recordsReplayed: 400,
          }),
        { timeout: 10_000 },
      );
      // 400 records at 1 000/s: the first batch goes at once, the other 350 records take ≥ 350 ms.
      expect(Date.now() - started).toBeGreaterThanOrEqual(340);
      expect(primary.offered).toHaveLength(405);
    });

    it('should report progress and backlog in getStats()', async () => {
      const dir = tempDir();
      const b = new Batches();
      await writeFallbackFiles(dir, batchesOf(b, 1, 400));
      const primary = new KnobExporter();
      const failover = new FailoverLogRecordExporter({
        exporters: [primary, new ZstdFileLogRecordExporter({ directory: dir })],
        replay: { settleMillis: 0, ratePerSecond: 500, batchSize: 50 },
      });
      onCleanup(() => failover.shutdown());
      // The position moves once a batch is acknowledged and its checkpoint saved.
      await vi.waitFor(
        () => expect(failover.getStats().replay.position?.record).toBeGreaterThanOrEqual(50),
        { timeout: 10_000 },
      );
      const mid = failover.getStats().replay;
      expect(mid).toMatchObject({ state: 'replaying', filesPending: 1 });
      expect(mid.recordsReplayed).toBeLessThan(400);
      expect(mid.bytesPending).toBeGreaterThan(0);
      expect(mid.position).toMatchObject({ file: zstFiles(dir)[0], frame: 0, line: 0 });
      expect(mid.position?.record).toBeLessThanOrEqual(mid.recordsReplayed);
      await vi.waitFor(() => expect(failover.getStats().replay.state).toBe('idle'), {
        timeout: 10_000,
      });
      expect(failover.getStats().replay).toMatchObject({
        filesPending: 0,
        bytesPending: 0,
        recordsReplayed: 400,
        batchesReplayed: 8,
        filesReplayed: 1,
      });
    });

    it('should skip and count the records of a corrupt frame and replay the rest', async () => {
      const dir = tempDir();
      const b = new Batches();
      await writeFallbackFiles(dir, batchesOf(b, 2, 10));
      const [oldest] = await listCompressedFiles(dir);
      const path = oldest!.path;
      // Flip a byte in the first file's only frame: its checksum no longer matches.
      const bytes = readFileSync(path);
      bytes[bytes.length - 5] = (bytes[bytes.length - 5] ?? 0) ^ 0xff;
      writeFileSync(path, bytes);
      const primary = new KnobExporter();
      const failover = new FailoverLogRecordExporter({
        exporters: [primary, new ZstdFileLogRecordExporter({ directory: dir })],
        replay: { settleMillis: 0 },
      });
      onCleanup(() => failover.shutdown());
      await vi.waitFor(
        () => expect(failover.getStats().replay).toMatchObject({ state: 'idle', filesReplayed: 2 }),
        {
          timeout: 10_000,
        },
      );
      expect(ids(primary.received as unknown as { attributes: Record<string, unknown> }[])).toEqual(
        [...Array.from({ length: 10 }, (_, i) => 10 + i)],
      );
      expect(failover.getStats().replay.dropped.unreadable).toMatchObject({
        unknown: 10,
        total: 10,
      });
      expect(failover.getStats().replay.lastError?.message).toMatch(/checksum/);
    });

    it('should stop at a failed replay batch and resume from the checkpoint without loss', async () => {
      const dir = tempDir();
      const b = new Batches();
      await writeFallbackFiles(dir, batchesOf(b, 1, 200));
      const primary = new KnobExporter();
      let calls = 0;
      primary.onExport = () => {
        calls++;
        if (calls === 4)
          primary.failWith = Object.assign(new Error('14 UNAVAILABLE'), { code: 14 });
      };
      const failover = new FailoverLogRecordExporter({
        exporters: [primary, new ZstdFileLogRecordExporter({ directory: dir })],
        replay: { settleMillis: 100, ratePerSecond: 100_000, batchSize: 40 },
      });
      onCleanup(() => failover.shutdown());
      await vi.waitFor(
        () => expect(failover.getStats().replay.lastError?.message).toMatch(/UNAVAILABLE/),
        {
          timeout: 10_000,
        },
      );
      // Three batches of 40 acknowledged, the fourth failed: the checkpoint points at record 120 of the line.
      expect(failover.getStats().replay.position).toEqual({
        file: zstFiles(dir)[0],
        frame: 0,
        line: 0,
        record: 120,
      });
      primary.failWith = undefined;
      await vi.waitFor(
        () => expect(failover.getStats().replay).toMatchObject({ state: 'idle', filesPending: 0 }),
        { timeout: 10_000 },
      );
      expect(
        tally(ids(primary.received as unknown as { attributes: Record<string, unknown> }[]), 200),
      ).toEqual({ missing: [], duplicates: 0 });
    });

    it.each(Array.from({ length: CRASH_ITERATIONS }, (_, i) => i))(
      'should repeat at most one batch when the process is SIGKILLed mid-replay (run %i)',
      async () => {
        const dir = tempDir();
        const b = new Batches();
        const total = 1_000;
        const batchSize = 50;
        await writeFallbackFiles(dir, batchesOf(b, 5, total / 5));
        const { receiver } = await grpcPrimary();
        const child = await buildChild(
          fileURLToPath(new URL('./children/replay-child.ts', import.meta.url)),
        );
        const run = (killAfter?: number) =>
          new Promise<{ code: number | null; signal: string | null; last: string }>(
            (resolve, reject) => {
              const p = spawn(
                process.execPath,
                [child, dir, receiver.url, '2000', String(batchSize)],
                { stdio: ['ignore', 'pipe', 'inherit'] },
              );
              let last = '';
              p.stdout.on('data', (c: Buffer) => {
                last = c.toString().trim().split('\n').pop() ?? last;
              });
              p.on('error', reject);
              p.on('exit', (code, signal) => resolve({ code, signal, last }));
              if (killAfter !== undefined) {
                receiver
                  .waitFor(
                    () => receiver.records.length >= killAfter,
                    20_000,
                    `${killAfter} records`,
                  )
                  .then(() => p.kill('SIGKILL'), reject);
              }
            },
          );
        const first = await run(total / 2);
        expect(first.signal).toBe('SIGKILL');
        const cut = receiver.records.length;
        expect(cut).toBeLessThan(total);
        const second = await run();
        expect(second.code).toBe(0);
        const t = tally(ids(receiver.records), total);
        expect(t.missing).toEqual([]);
        expect(t.duplicates).toBeLessThanOrEqual(batchSize);
        expect(zstFiles(dir)).toEqual([]);
      },
    );
  });
});
