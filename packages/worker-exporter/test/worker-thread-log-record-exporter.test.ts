import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ExportResult, ExportResultCode, setGlobalErrorHandler } from '@opentelemetry/core';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { decodeLogRecordBatch, encodeLogRecordBatch } from '@spillway/disk-buffer';
import {
  type GeneratedLogRecord,
  OtlpGrpcLogsReceiver,
  SyntheticRecordGenerator,
  toReadableLogRecords,
} from '@spillway/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  WorkerThreadLogRecordExporter,
  workerExecArgv,
} from '../src/worker-thread-log-record-exporter';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'exporters.mjs');

let receiver: OtlpGrpcLogsReceiver;
beforeAll(async () => {
  receiver = await new OtlpGrpcLogsReceiver().start();
});
afterAll(() => receiver.stop());

const open: WorkerThreadLogRecordExporter[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.shutdown()));
  receiver.clear();
});

function setup(exportName: string, options: unknown = { url: receiver.url }) {
  const exporter = new WorkerThreadLogRecordExporter({ module: FIXTURES, exportName, options });
  open.push(exporter);
  return exporter;
}

const send = (e: { export: OTLPLogExporter['export'] }, records: ReadableLogRecord[]) =>
  new Promise<ExportResult>((resolve) => e.export(records, resolve));

/** Errors the global handler receives while `fn` runs. */
async function reported(fn: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  setGlobalErrorHandler((e) => seen.push(String((e as Error).message ?? e)));
  try {
    await fn();
  } finally {
    setGlobalErrorHandler(() => {});
  }
  return seen;
}

/** What the receiver got for `records` sent by `exporter`, then cleared. */
async function receivedThrough(
  exporter: { export: OTLPLogExporter['export'] },
  records: ReadableLogRecord[],
) {
  const result = await send(exporter, records);
  expect(result.error).toBeUndefined();
  expect(result.code).toBe(ExportResultCode.SUCCESS);
  await receiver.waitForRecords(records.length);
  const got = receiver.records.slice();
  receiver.clear();
  return got;
}

function hostile(base: GeneratedLogRecord): GeneratedLogRecord[] {
  const odd = {
    '': 'empty key',
    'emoji 🔥 key': 'ünïcödé ✓ 𝄞',
    nan: Number.NaN,
    negInf: Number.NEGATIVE_INFINITY,
    negZero: -0,
    big: 2 ** 53 + 2,
    tiny: 5e-324,
    int: -2147483649,
  } as unknown as Record<string, string | number>;
  return [
    {
      ...base,
      id: 0,
      body: 'x'.repeat(2 * 1024 * 1024),
      attributes: { huge: 'é'.repeat(500_000) },
    },
    { ...base, id: 1, body: '', attributes: odd },
    { ...base, id: 2, severityNumber: 0, severityText: '', attributes: {} },
    { ...base, id: 3, severityNumber: 24, body: '\u0000\u001f"\\\n', attributes: { list: 'a' } },
  ];
}

describe('WorkerThreadLogRecordExporter', () => {
  describe('export', () => {
    it('should deliver every record field by field as the main-thread exporter does', async () => {
      const records = toReadableLogRecords(new SyntheticRecordGenerator({ seed: 15 }).take(700));
      const main = new OTLPLogExporter({ url: receiver.url });
      const expected = await receivedThrough(main, records);
      await main.shutdown();
      const got = await receivedThrough(setup('createExporter'), records);
      expect(got).toHaveLength(700);
      expect(got).toEqual(expected);
    });

    it('should carry hostile records (1 MiB records, odd numbers and keys, structured values) unchanged', async () => {
      const [base] = new SyntheticRecordGenerator({ seed: 3 }).take(1);
      const records = toReadableLogRecords(hostile(base!));
      // Structured bodies and attribute values are not in the generator's vocabulary: set them here.
      const structured = records[3] as {
        -readonly [K in keyof ReadableLogRecord]: ReadableLogRecord[K];
      };
      structured.body = { nested: [1, 'two', { three: null, bytes: new Uint8Array([0, 255, 7]) }] };
      structured.attributes = {
        list: [1, 2, 3],
        mixed: ['a', 'b'],
        bool: false,
        bytes: new Uint8Array([9]),
      };
      const main = new OTLPLogExporter({ url: receiver.url });
      const worker = setup('createExporter');
      for (const record of records) {
        // What the disk buffer hands its downstream: the record after the codec's normalisation.
        const [stored] = decodeLogRecordBatch(encodeLogRecordBatch([record]));
        const expected = await receivedThrough(main, [stored!]);
        expect(await receivedThrough(worker, [record])).toEqual(expected);
      }
      await main.shutdown();
      const odd = (await receivedThrough(worker, [records[1]!]))[0]!.attributes;
      // As OTLP carries them: a safe-integer-looking double past 2^53 as an int, -0 as 0.
      expect(odd).toEqual({
        '': 'empty key',
        'emoji 🔥 key': 'ünïcödé ✓ 𝄞',
        nan: Number.NaN,
        negInf: Number.NEGATIVE_INFINITY,
        negZero: 0,
        big: 9007199254740994n,
        tiny: 5e-324,
        int: -2147483649,
      });
    });

    it('should fail with the downstream error (name and message) when the downstream fails', async () => {
      const records = toReadableLogRecords(new SyntheticRecordGenerator({ seed: 1 }).take(3));
      const result = await send(setup('createFailing', {}), records);
      expect(result.code).toBe(ExportResultCode.FAILED);
      expect(result.error?.name).toBe('RangeError');
      expect(result.error?.message).toBe('refused 3');
    });
  });

  describe('when the worker dies', () => {
    it('should fail the export in flight and every later one, and say so once', async () => {
      const records = toReadableLogRecords(new SyntheticRecordGenerator({ seed: 2 }).take(5));
      const exporter = setup('createCrashing', { url: receiver.url, exportsBeforeCrash: 1 });
      const results: ExportResult[] = [];
      const seen = await reported(async () => {
        results.push(await send(exporter, records));
        results.push(await send(exporter, records));
        results.push(await send(exporter, records));
      });
      expect(results.map((r) => r.code)).toEqual([
        ExportResultCode.SUCCESS,
        ExportResultCode.FAILED,
        ExportResultCode.FAILED,
      ]);
      expect(results[1]!.error?.message).toMatch(/the worker exited with code 3; exports fail/);
      expect(results[2]!.error?.message).toBe(results[1]!.error?.message);
      expect(seen).toEqual([results[1]!.error?.message]);
      expect(receiver.records).toHaveLength(5);
    });

    it('should fail exports with a clear error when the downstream cannot be built', async () => {
      const records = toReadableLogRecords(new SyntheticRecordGenerator({ seed: 2 }).take(1));
      let result: ExportResult | undefined;
      const seen = await reported(async () => {
        result = await send(setup('createBroken', {}), records);
      });
      expect(result!.code).toBe(ExportResultCode.FAILED);
      expect(result!.error?.message).toMatch(/could not be built: no endpoint configured/);
      expect(seen).toHaveLength(1);
      const missing = await send(setup('createNothing', {}), records);
      expect(missing.error?.message).toMatch(/has no function export named createNothing/);
    });
  });

  describe('forceFlush and shutdown', () => {
    it('should forward them in order after the exports before them, once for shutdown', async () => {
      const log = join(mkdtempSync(join(tmpdir(), 'spillway-worker-')), 'calls.log');
      const exporter = setup('createRecording', { log, hangFlush: false });
      const records = toReadableLogRecords(new SyntheticRecordGenerator({ seed: 4 }).take(3));
      const exported = send(exporter, records);
      await exporter.forceFlush();
      expect((await exported).code).toBe(ExportResultCode.SUCCESS);
      expect(readFileSync(log, 'utf8')).toBe('built\nexport:3\nflush\n');
      const seen = await reported(async () => {
        await Promise.all([exporter.shutdown(), exporter.shutdown()]);
        const after = await send(exporter, records);
        expect(after.code).toBe(ExportResultCode.FAILED);
        expect(after.error?.message).toMatch(/shut down/);
      });
      expect(readFileSync(log, 'utf8')).toBe('built\nexport:3\nflush\nshutdown\n');
      expect(seen).toEqual([]);
    });

    it('should start no worker before the first export or flush', async () => {
      const log = join(mkdtempSync(join(tmpdir(), 'spillway-worker-')), 'calls.log');
      const idle = setup('createRecording', { log, hangFlush: false });
      // A whole worker start and export meanwhile: time enough for an eager start to have built.
      const records = toReadableLogRecords(new SyntheticRecordGenerator({ seed: 6 }).take(2));
      expect((await send(setup('createExporter'), records)).code).toBe(ExportResultCode.SUCCESS);
      expect(existsSync(log)).toBe(false);
      await idle.shutdown();
      expect(existsSync(log)).toBe(false);
    });

    it('should bound a forceFlush the downstream never finishes, and still shut down', async () => {
      const log = join(mkdtempSync(join(tmpdir(), 'spillway-worker-')), 'calls.log');
      const exporter = new WorkerThreadLogRecordExporter({
        module: FIXTURES,
        exportName: 'createRecording',
        options: { log, hangFlush: true },
        flushTimeoutMillis: 300,
      });
      await expect(exporter.forceFlush()).rejects.toThrow(
        'the worker did not answer within 300 ms',
      );
      await exporter.shutdown();
      expect(readFileSync(log, 'utf8')).toBe('built\nflush\nshutdown\n');
    });
  });
});

describe('workerExecArgv', () => {
  it("should keep the parent's module-loading flags and drop preloads and per-process flags", () => {
    const parent = [
      '--stack-trace-limit=10',
      '--import',
      '@spillway/node/register',
      '--conditions',
      'development',
      '--secure-heap=0',
      '-r',
      './preload.cjs',
      '--enable-source-maps',
      '--require=./other.cjs',
      '--tls-cipher-list=HIGH',
      '--experimental-vm-modules',
      '--no-warnings',
      '-C=custom',
    ];
    expect(workerExecArgv(parent)).toEqual([
      '--conditions',
      'development',
      '--enable-source-maps',
      '--experimental-vm-modules',
      '--no-warnings',
      '-C=custom',
    ]);
  });
});
