import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { decodeLogRecordBatches, encodeLogRecordBatch } from '@spillway/disk-buffer';
import { encodeExportLogsServiceRequest } from '@spillway/record-format';
import { SyntheticRecordGenerator, toReadableLogRecords } from '@spillway/testing';
import { afterEach } from 'vitest';
import { WorkerThreadLogRecordExporter } from '../../src/worker-thread-log-record-exporter';

// A worker exporter whose downstream takes request bytes (the fixture's createEncodedRecording
// writes each call to a log file in the worker), shut down after each test.

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'exporters.mjs');

const open: Array<{ shutdown(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.shutdown()));
});

/** Shut down after the test (an exporter the test built around the recording one). */
export function shutDownAfterTest(e: { shutdown(): Promise<void> }): void {
  open.push(e);
}

/** The exporter, and the calls its downstream got (`path:count:base64 request`), in order. */
export function encodedRecording(prefix: string) {
  const log = join(mkdtempSync(join(tmpdir(), prefix)), 'calls.log');
  const exporter = new WorkerThreadLogRecordExporter({
    module: FIXTURES,
    exportName: 'createEncodedRecording',
    options: { log },
  });
  open.push(exporter);
  const calls = () => readFileSync(log, 'utf8').trim().split('\n');
  return { exporter, calls };
}

export const send = (
  e: { export: WorkerThreadLogRecordExporter['export'] },
  r: ReadableLogRecord[],
) => new Promise<ExportResult>((resolve) => e.export(r, resolve));

export const generated = (seed: number, n: number) =>
  toReadableLogRecords(new SyntheticRecordGenerator({ seed }).take(n));

/** The request the decode + encode path writes for these records as the codec stores them. */
export const encodedAsStored = (records: ReadableLogRecord[]) =>
  Buffer.from(
    encodeExportLogsServiceRequest(decodeLogRecordBatches([encodeLogRecordBatch(records)]))!,
  );
