import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { setGlobalErrorHandler } from '@opentelemetry/core';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { DiskBufferedLogRecordExporter } from '@spillway/disk-buffer';
import {
  OtlpGrpcLogsReceiver,
  SyntheticRecordGenerator,
  toReadableLogRecords,
} from '@spillway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerThreadLogRecordExporter } from '../src/worker-thread-log-record-exporter';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'exporters.mjs');
const ROOT = resolve(import.meta.dirname, '../../..');

let receiver: OtlpGrpcLogsReceiver;
beforeAll(async () => {
  receiver = await new OtlpGrpcLogsReceiver().start();
});
afterAll(() => receiver.stop());

const exportTo = (buffer: DiskBufferedLogRecordExporter, records: ReadableLogRecord[]) =>
  new Promise<number>((r) => buffer.export(records, (res) => r(res.code)));

describe('WorkerThreadLogRecordExporter behind the disk buffer', () => {
  it('should lose no acknowledged record when the worker dies mid-stream: the WAL redelivers them', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'spillway-worker-wal-'));
    const records = toReadableLogRecords(new SyntheticRecordGenerator({ seed: 9 }).take(1000));
    const options = {
      directory,
      maxExportBatchSize: 100,
      retry: { initialMillis: 20, maxMillis: 50 },
    };
    // Delivers two batches, then the worker thread ends inside the third export.
    const crashed = new Promise<string>((r) =>
      setGlobalErrorHandler((e) => r((e as Error).message)),
    );
    const crashing = new WorkerThreadLogRecordExporter({
      module: FIXTURES,
      exportName: 'createCrashing',
      options: { url: receiver.url, exportsBeforeCrash: 2 },
    });
    const first = new DiskBufferedLogRecordExporter({
      ...options,
      exporter: crashing,
      shutdownTimeoutMillis: 500,
    });
    for (let i = 0; i < 1000; i += 250)
      expect(await exportTo(first, records.slice(i, i + 250))).toBe(0);
    expect(await crashed).toMatch(/the worker exited with code 3/);
    setGlobalErrorHandler(() => {});
    await first.shutdown();
    const before = receiver.records.length;
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(1000);
    // A new process on the same directory: the WAL still holds every record not delivered.
    const healthy = new WorkerThreadLogRecordExporter({
      module: FIXTURES,
      options: { url: receiver.url },
    });
    const second = new DiskBufferedLogRecordExporter({ ...options, exporter: healthy });
    await receiver.waitForRecords(1000);
    await second.shutdown();
    const ids = receiver.records.map((r) => r.attributes['test.id']);
    expect(ids).toHaveLength(1000);
    expect(new Set(ids).size).toBe(1000);
  });
});

describe('the built package', () => {
  // Both ways users load it, from dist/ through its exports map; the process must end by itself
  // after the export (the worker is unref'd while idle) with no shutdown call.
  // The third: a process started with flags a Worker refuses (as `node --test` children are), which
  // must not reach the worker's execArgv.
  const IMPORT = `const { WorkerThreadLogRecordExporter } = await import('@spillway/worker-exporter');`;
  it.each([
    [
      'require',
      `const { WorkerThreadLogRecordExporter } = require('@spillway/worker-exporter');`,
      [],
    ],
    ['import', IMPORT, []],
    ['import with per-process flags', IMPORT, ['--stack-trace-limit=20', '--v8-pool-size=2']],
  ])(
    'should export through the worker when loaded with %s, and not hold the process open',
    async (mode, load, flags) => {
      const records = toReadableLogRecords(new SyntheticRecordGenerator({ seed: 5 }).take(3));
      const script = `(async () => {
      ${load}
      const { resourceFromAttributes } = require('@opentelemetry/resources');
      const e = new WorkerThreadLogRecordExporter({ module: ${JSON.stringify(FIXTURES)}, options: { url: ${JSON.stringify(receiver.url)} } });
      const records = ${JSON.stringify(records.map((r) => ({ ...r, resource: undefined })))}.map((r) => ({ ...r, resource: resourceFromAttributes({ 'service.name': '${mode}' }) }));
      e.export(records, (r) => console.log('result', r.code));
    })();`;
      receiver.clear();
      // Asynchronously: the receiver answers from this process's event loop.
      const { stdout: out } = await promisify(execFile)(
        process.execPath,
        [...flags, '-e', script],
        {
          cwd: ROOT,
          encoding: 'utf8',
          timeout: 20_000,
        },
      );
      expect(out).toBe('result 0\n');
      expect(receiver.records.map((r) => r.resource['service.name'])).toEqual([mode, mode, mode]);
    },
  );
});
