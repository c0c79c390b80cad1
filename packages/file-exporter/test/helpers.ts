import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { SyntheticRecordGenerator, toReadableLogRecords } from '@spillway/testing';
import { afterAll } from 'vitest';

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

/** A fresh directory, removed after the test file. */
export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'spillway-fe-'));
  roots.push(d);
  return d;
}

/** `n` generated records (random trace ids), 20 µs apart from `startTimeMs`. */
export function generatedRecords(
  n: number,
  options: { seed?: number; service?: string; startTimeMs?: number; intervalMicros?: number } = {},
): ReadableLogRecord[] {
  const gen = new SyntheticRecordGenerator({
    seed: options.seed ?? 7,
    ...(options.startTimeMs === undefined ? {} : { startTimeMs: options.startTimeMs }),
    ...(options.intervalMicros === undefined ? {} : { intervalMicros: options.intervalMicros }),
  });
  return toReadableLogRecords(gen.take(n), options.service ?? 'svc');
}

/** Exports `records` in batches, each waiting for its callback; throws on a FAILED result. */
export async function exportAll(
  exporter: LogRecordExporter,
  records: ReadonlyArray<ReadableLogRecord>,
  batch = 512,
): Promise<void> {
  for (let i = 0; i < records.length; i += batch) {
    await new Promise<void>((resolve, reject) =>
      exporter.export(records.slice(i, i + batch), (r) =>
        r.code === 0 ? resolve() : reject(r.error ?? new Error('export failed')),
      ),
    );
  }
}

/**
 * Whether the zstd and jq CLIs are installed (.ci/run installs them when it can). Tests that need
 * them are skipped with a printed reason otherwise.
 */
export const HAVE_CLI_TOOLS = (() => {
  try {
    execFileSync('bash', ['-c', 'command -v zstd && command -v jq'], { stdio: 'ignore' });
    return true;
  } catch {
    console.warn('zstd or jq CLI missing: tests reading files with them are skipped');
    return false;
  }
})();

/** Runs a shell pipeline and returns its stdout. */
export function sh(script: string): string {
  return execFileSync('bash', ['-o', 'pipefail', '-c', script], {
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
  });
}

/** Records covering every field and every AnyValue type, across two resources and two scopes. */
export function richRecords(): ReadableLogRecord[] {
  const r1 = resourceFromAttributes({ 'service.name': 'svc', 'host.name': 'h1', n: 3 });
  const r2 = resourceFromAttributes({ 'service.name': 'svc', 'host.name': 'h2' });
  const s1 = { name: 'scope-a', version: '1.2.3', attributes: { 'scope.k': 'v' } };
  const s2 = { name: 'scope-b', schemaUrl: 'https://opentelemetry.io/schemas/1.26.0' };
  const base = {
    droppedAttributesCount: 0,
    attributes: {},
  };
  const rec = (x: Partial<ReadableLogRecord>): ReadableLogRecord =>
    ({ ...base, resource: r1, instrumentationScope: s1, ...x }) as ReadableLogRecord;
  return [
    rec({
      hrTime: [1_767_225_600, 123_456_789],
      hrTimeObserved: [1_767_225_601, 5],
      severityNumber: 17 as ReadableLogRecord['severityNumber'],
      severityText: 'ERROR',
      body: 'plain string ✓ "quoted"\nnewline',
      attributes: {
        s: 'x',
        i: 42,
        neg: -7,
        d: 0.25,
        b: false,
        arr: ['a', 'b'],
        nums: [1, 2.5],
        bytes: new Uint8Array([0, 1, 2, 253, 254, 255]),
      },
      droppedAttributesCount: 3,
      eventName: 'app.event',
      spanContext: {
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
        spanId: '00f067aa0ba902b7',
        traceFlags: 1,
      },
    }),
    rec({
      hrTime: [1_767_225_602, 0],
      hrTimeObserved: [1_767_225_602, 0],
      severityNumber: 9 as ReadableLogRecord['severityNumber'],
      severityText: 'INFO',
      body: { msg: 'map body', nested: { deep: [true, { x: 1 }] }, nothing: null },
      instrumentationScope: s2,
    }),
    rec({
      hrTime: [1_767_225_603, 999_999_999],
      hrTimeObserved: [1_767_225_604, 1],
      body: 12.5,
      resource: r2,
      attributes: { 'only.one': true },
    }),
    rec({
      hrTime: [1_767_225_604, 1],
      hrTimeObserved: [1_767_225_604, 1],
      severityNumber: 21 as ReadableLogRecord['severityNumber'],
      body: new Uint8Array([104, 105]),
      resource: r2,
      instrumentationScope: s2,
      spanContext: {
        traceId: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
        spanId: 'bbbbbbbbbbbbbbbb',
        traceFlags: 0,
      },
    }),
  ];
}

/** What survives OTLP/JSON of a record, for deep comparison. */
export function comparable(r: ReadableLogRecord): Record<string, unknown> {
  return {
    hrTime: r.hrTime,
    hrTimeObserved: r.hrTimeObserved,
    severityNumber: r.severityNumber,
    severityText: r.severityText,
    body: r.body,
    attributes: r.attributes,
    droppedAttributesCount: r.droppedAttributesCount,
    eventName: r.eventName,
    spanContext: r.spanContext
      ? {
          traceId: r.spanContext.traceId,
          spanId: r.spanContext.spanId,
          traceFlags: r.spanContext.traceFlags,
        }
      : undefined,
    resource: r.resource.attributes,
    resourceSchemaUrl: r.resource.schemaUrl,
    scope: {
      name: r.instrumentationScope.name,
      version: r.instrumentationScope.version,
      schemaUrl: r.instrumentationScope.schemaUrl,
      attributes: (r.instrumentationScope as { attributes?: unknown }).attributes,
    },
  };
}

/**
 * The entries of a version 2 `.idx` file's bytes, each as its own bytes (56 fixed bytes, the
 * trace filter, 4 checksum bytes; FORMAT.md), for tests that damage or reorder entries.
 */
export function indexEntries(idx: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let p = 16; p + 56 <= idx.length; ) {
    const end = p + 60 + idx.readUInt32LE(p + 48);
    out.push(idx.subarray(p, end));
    p = end;
  }
  return out;
}

/** Frames without their trace filters: what a header scan finds, to compare with an index's. */
export function withoutTraceFilters<T extends { traceFilter?: unknown }>(
  frames: ReadonlyArray<T>,
): Omit<T, 'traceFilter'>[] {
  return frames.map(({ traceFilter: _, ...f }) => f);
}
