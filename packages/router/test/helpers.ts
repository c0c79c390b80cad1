import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DiagLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { ZstdFileLogRecordExporter } from '@spillway/file-exporter';
import {
  OtlpGrpcLogsReceiver,
  SyntheticRecordGenerator,
  toReadableLogRecords,
} from '@spillway/testing';
import { afterEach } from 'vitest';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Registers a cleanup run after the current test, last registered first. */
export function onCleanup(fn: () => Promise<void> | void): void {
  cleanups.push(fn);
}

/** A started receiver and a real gRPC OTLP exporter pointed at it. */
export async function grpcPrimary(timeoutMillis = 2_000) {
  const receiver = await new OtlpGrpcLogsReceiver().start();
  const otlp = new OTLPLogExporter({ url: receiver.url, timeoutMillis });
  onCleanup(() => receiver.stop());
  onCleanup(() => otlp.shutdown());
  return { receiver, otlp };
}

/** Batches of generated records with a `test.id` attribute, ids unique across one generator. */
export class Batches {
  private readonly gen = new SyntheticRecordGenerator({ seed: 7 });
  next(n: number): ReadableLogRecord[] {
    return toReadableLogRecords(this.gen.take(n), 'router-test');
  }
}

export function idOf(attrs: Record<string, unknown> | undefined): number {
  const v = attrs?.['test.id'];
  if (typeof v !== 'number') throw new Error(`record without test.id: ${JSON.stringify(attrs)}`);
  return v;
}

export function ids(records: ReadonlyArray<{ attributes: Record<string, unknown> }>): number[] {
  return records.map((r) => idOf(r.attributes));
}

export function exportBatch(
  exporter: LogRecordExporter,
  records: ReadableLogRecord[],
): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(records, resolve));
}

/** Counts of each id: every id of 0..n-1 seen, and how many were seen more than once. */
export function tally(seen: number[], n: number): { missing: number[]; duplicates: number } {
  const counts = new Map<number, number>();
  for (const id of seen) counts.set(id, (counts.get(id) ?? 0) + 1);
  const missing: number[] = [];
  for (let i = 0; i < n; i++) if (!counts.has(i)) missing.push(i);
  let duplicates = 0;
  for (const c of counts.values()) if (c > 1) duplicates += c - 1;
  return { missing, duplicates };
}

/**
 * An exporter with knobs, for the cases the real ones cannot show on demand: it never answers
 * (`hang`), or fails every batch with a given error.
 */
export class KnobExporter implements LogRecordExporter {
  readonly received: ReadableLogRecord[] = [];
  /** Records of every export call, accepted or not. */
  readonly offered: ReadableLogRecord[] = [];
  hang = false;
  failWith: Error | undefined;
  /** Called at the start of each export call, before the knobs apply. */
  onExport: (() => void) | undefined;
  private readonly pending: Array<(r: ExportResult) => void> = [];

  export(records: ReadableLogRecord[], cb: (r: ExportResult) => void): void {
    this.offered.push(...records);
    this.onExport?.();
    if (this.hang) {
      this.pending.push(cb);
      return;
    }
    if (this.failWith) {
      cb({ code: 1, error: this.failWith });
      return;
    }
    this.received.push(...records);
    cb({ code: 0 });
  }
  /** Answers the batches held by `hang` (accepting them) and stops hanging. */
  release(): void {
    this.hang = false;
    for (const cb of this.pending.splice(0)) cb({ code: 0 });
  }
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {
    for (const cb of this.pending.splice(0)) cb({ code: 1, error: new Error('shut down') });
  }
}

/** Collects diag messages (a real DiagLogger installed globally for the test). */
export function captureDiag(): string[] {
  const lines: string[] = [];
  const log = (...args: unknown[]) => lines.push(args.map(String).join(' '));
  const logger: DiagLogger = {
    error: log,
    warn: log,
    info: log,
    debug: () => {},
    verbose: () => {},
  };
  diag.setLogger(logger, { logLevel: DiagLogLevel.INFO, suppressOverrideMessage: true });
  onCleanup(() => diag.disable());
  return lines;
}

/** A fresh private directory under the OS temp dir, removed after the test. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'spillway-router-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The .zst files of a directory, by name. */
export function zstFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => n.endsWith('.zst'))
    .sort();
}

/**
 * Writes `batches` into closed fallback files, as a previous process would have left them (one
 * file per batch: rotation at every frame).
 */
export async function writeFallbackFiles(
  dir: string,
  batches: ReadableLogRecord[][],
): Promise<void> {
  const writer = new ZstdFileLogRecordExporter({ directory: dir, rotate: { maxBytes: 1 } });
  for (const b of batches) {
    await exportBatch(writer, b);
    await writer.forceFlush();
  }
  await writer.shutdown();
}
