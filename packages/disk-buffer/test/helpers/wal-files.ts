import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { DiskBufferedLogRecordExporter } from '../../src/index';
import { CollectingExporter } from './collecting-exporter';
import { generatedRecords } from './records';

/** Segment files of a buffer directory, oldest first. */
export function segments(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => n.endsWith('.wal'))
    .sort()
    .map((n) => join(dir, n));
}

/** Byte offsets and lengths of the frames in a segment, walking the length fields. */
export function frames(path: string): Array<{ offset: number; length: number; count: number }> {
  const b = readFileSync(path);
  const out: Array<{ offset: number; length: number; count: number }> = [];
  let at = 32;
  while (at + 24 <= b.length) {
    const length = b.readUInt32LE(at + 8);
    if (at + 24 + length > b.length) break;
    out.push({ offset: at, length: 24 + length, count: b.readUInt32LE(at + 12) });
    at += 24 + length;
  }
  return out;
}

/**
 * Writes `batches` batches of `perBatch` records (ids from 0) into `dir` with the downstream down,
 * then shuts down: the directory holds them all, undelivered.
 */
export async function fillDirectory(
  dir: string,
  batches: number,
  perBatch: number,
  segmentBytes?: number,
  extra: Partial<ConstructorParameters<typeof DiskBufferedLogRecordExporter>[0]> = {},
): Promise<ReadableLogRecord[]> {
  const down = new CollectingExporter();
  down.failing = true;
  const exporter = new DiskBufferedLogRecordExporter({
    exporter: down,
    directory: dir,
    fsync: 'always',
    segmentBytes,
    retry: { initialMillis: 60_000 },
    shutdownTimeoutMillis: 1,
    ...extra,
  });
  const all: ReadableLogRecord[] = [];
  for (let b = 0; b < batches; b++) {
    const recs = generatedRecords(perBatch, b * perBatch);
    all.push(...recs);
    const r = await new Promise<{ code: number }>((res) => exporter.export(recs, res));
    if (r.code !== 0) throw new Error('fill failed');
  }
  await exporter.shutdown();
  return all;
}

/** Opens the directory with a working downstream and waits until nothing is pending. */
export async function drain(
  dir: string,
  extra: Partial<ConstructorParameters<typeof DiskBufferedLogRecordExporter>[0]> = {},
): Promise<{ down: CollectingExporter; exporter: DiskBufferedLogRecordExporter }> {
  const down = new CollectingExporter();
  const exporter = new DiskBufferedLogRecordExporter({
    exporter: down,
    directory: dir,
    fsync: 'always',
    retry: { initialMillis: 5, maxMillis: 20 },
    ...extra,
  });
  await down.waitFor(
    () => !exporter.getStats().recovering && exporter.getStats().recordsPending === 0,
  );
  await exporter.forceFlush();
  return { down, exporter };
}
