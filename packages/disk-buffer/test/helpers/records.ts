import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { SyntheticRecordGenerator, toReadableLogRecords } from '@spillway/testing';

const generator = new SyntheticRecordGenerator({ seed: 7 });

/** `n` realistic generated records (trace contexts, stack traces) with `test.id` from `from`. */
export function generatedRecords(n: number, from?: number): ReadableLogRecord[] {
  const g = generator.take(n);
  if (from !== undefined) {
    for (let i = 0; i < g.length; i++) g[i]!.attributes['test.id'] = from + i;
  }
  return toReadableLogRecords(g, 'disk-buffer-test');
}

const dirs: string[] = [];

/** A fresh temp directory, removed by `removeTempDirs`. */
export function tempDir(prefix = 'spillway-db-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

export function removeTempDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}
