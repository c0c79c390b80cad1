import { spawn } from 'node:child_process';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DiskBufferedLogRecordExporter } from '../src/index';
import { bundleChild } from './helpers/child-bundle';
import { CollectingExporter } from './helpers/collecting-exporter';
import { generatedRecords, removeTempDirs, tempDir } from './helpers/records';

// `export` returns before encoding its batch: the encode and the append run in a task of their
// own, so the emit that filled the processor's batch does not pay for them (at 20,000 records/s
// that encode was a third of the event loop's longest tasks). What must not change: the WAL keeps
// the order of the calls, `exportSync` (FATAL, overflow, exit) writes every deferred batch first,
// synchronously, and a batch handed to `export` just before `process.exit()` is not lost.

afterEach(removeTempDirs);

function setup() {
  const down = new CollectingExporter();
  const exporter = new DiskBufferedLogRecordExporter({
    exporter: down,
    directory: tempDir(),
    fsync: 'never',
    retry: { initialMillis: 5, maxMillis: 20 },
    shutdownTimeoutMillis: 1000,
  });
  return { down, exporter };
}

/** `export(records)`, its result kept as it arrives (synchronously readable). */
function exportNow(exporter: DiskBufferedLogRecordExporter, records: ReadableLogRecord[]) {
  const out: { result?: ExportResult } = {};
  const settled = new Promise<ExportResult>((resolve) =>
    exporter.export(records, (r) => {
      out.result = r;
      resolve(r);
    }),
  );
  return Object.assign(out, { settled });
}

const ids = (records: ReadableLogRecord[]) => records.map((r) => r.attributes['test.id']);

describe('DiskBufferedLogRecordExporter', () => {
  describe('export, deferred', () => {
    it('should return before encoding the batch, and write it in a task of its own', async () => {
      const { exporter } = setup();
      const sent = exportNow(exporter, generatedRecords(20, 0));
      // Not admitted to the disk cap, so not encoded: the cap counts a batch as it encodes it.
      expect(exporter.getStats().recordsAccepted).toBe(0);
      expect(sent.result).toBeUndefined();
      expect((await sent.settled).code).toBe(0);
      expect(exporter.getStats().recordsAccepted).toBe(20);
      await exporter.shutdown();
    });

    it('should write deferred batches before exportSync records, in call order, before it returns', async () => {
      const { down, exporter } = setup();
      const first = generatedRecords(5, 0);
      const second = generatedRecords(7, 5);
      const fatal = generatedRecords(2, 12);
      const a = exportNow(exporter, first);
      const b = exportNow(exporter, second);
      exporter.exportSync(fatal);
      expect(a.result?.code).toBe(0);
      expect(b.result?.code).toBe(0);
      expect(exporter.getStats().recordsAccepted).toBe(14);
      await down.waitFor(() => down.records.length >= 14, 10_000);
      expect(ids(down.records)).toEqual(ids([...first, ...second, ...fatal]));
      await exporter.shutdown();
    });

    it('should write deferred batches on an exportSync with no records (the exit hand-over)', async () => {
      const { down, exporter } = setup();
      const batch = generatedRecords(9, 0);
      const sent = exportNow(exporter, batch);
      exporter.exportSync([]);
      expect(sent.result?.code).toBe(0);
      expect(exporter.getStats().recordsAccepted).toBe(9);
      await down.waitFor(() => down.records.length >= 9, 10_000);
      expect(ids(down.records)).toEqual(ids(batch));
      await exporter.shutdown();
    });

    it('should write frames appended but not yet written on an exportSync with no records', async () => {
      const { down, exporter } = setup();
      const batch = generatedRecords(6, 0);
      const sent = exportNow(exporter, batch);
      // forceFlush encodes the batch and appends it at once; its write would start a microtask later.
      const flushed = exporter.forceFlush();
      expect(sent.result).toBeUndefined();
      exporter.exportSync([]);
      expect(sent.result?.code).toBe(0);
      await flushed;
      await down.waitFor(() => down.records.length >= 6, 10_000);
      expect(ids(down.records)).toEqual(ids(batch));
      await exporter.shutdown();
    });

    it('should write deferred batches on forceFlush and shutdown', async () => {
      const { down, exporter } = setup();
      const one = generatedRecords(4, 0);
      const two = generatedRecords(3, 4);
      const a = exportNow(exporter, one);
      await exporter.forceFlush();
      expect(a.result?.code).toBe(0);
      const b = exportNow(exporter, two);
      await exporter.shutdown();
      expect(b.result?.code).toBe(0);
      expect(ids(down.records)).toEqual(ids([...one, ...two]));
    });
  });

  describe('process.exit() right after a batch was handed to export', () => {
    let childPath: string;
    beforeAll(async () => {
      childPath = await bundleChild('exit-child');
    });

    it('should find the batch in the WAL on the next start (the exit hand-over wrote it)', async () => {
      const dir = tempDir();
      const size = 50;
      const code = await new Promise<number | null>((resolve, reject) => {
        const child = spawn(process.execPath, [childPath, dir, String(size)], {
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let err = '';
        child.stderr!.on('data', (d: Buffer) => {
          err += d.toString();
        });
        child.on('error', reject);
        child.on('exit', (c) => (c === 0 ? resolve(c) : reject(new Error(`exit ${c}: ${err}`))));
      });
      expect(code).toBe(0);
      const down = new CollectingExporter();
      const exporter = new DiskBufferedLogRecordExporter({ exporter: down, directory: dir });
      await down.waitFor(() => down.records.length >= size, 20_000);
      await exporter.forceFlush();
      expect(ids(down.records)).toEqual(Array.from({ length: size }, (_, i) => i));
      await exporter.shutdown();
    });
  });
});
