import { PassThrough } from 'node:stream';
import { InMemoryLogRecordExporter, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { describe, expect, it } from 'vitest';
import { FailoverLogRecordExporter } from '../src/failover-log-record-exporter';
import { PrettyLogRecordExporter } from '../src/pretty-log-record-exporter';
import { SeverityRoutingLogRecordExporter } from '../src/severity-routing-log-record-exporter';
import {
  Batches,
  exportBatch,
  grpcPrimary,
  idOf,
  ids,
  KnobExporter,
  onCleanup,
  tally,
} from './helpers';

function memIds(m: InMemoryLogRecordExporter): number[] {
  return m.getFinishedLogRecords().map((r) => idOf(r.attributes as Record<string, unknown>));
}

function withSeverity(records: ReadableLogRecord[], severities: number[]): ReadableLogRecord[] {
  return records.map((r, i) => ({
    ...r,
    severityNumber: severities[i % severities.length] as ReadableLogRecord['severityNumber'],
  }));
}

describe('SeverityRoutingLogRecordExporter', () => {
  describe('export', () => {
    it('should fan ERROR+ out to failover(OTLP -> file) and stderr, and DEBUG to the console', async () => {
      const { receiver, otlp } = await grpcPrimary();
      const fallback = new InMemoryLogRecordExporter();
      const failover = new FailoverLogRecordExporter({ exporters: [otlp, fallback] });
      const stderr = new PassThrough();
      const stdout = new PassThrough();
      const errLines: string[] = [];
      const outLines: string[] = [];
      stderr.on('data', (c: Buffer) => errLines.push(...c.toString().split('\n').filter(Boolean)));
      stdout.on('data', (c: Buffer) => outLines.push(...c.toString().split('\n').filter(Boolean)));
      const router = new SeverityRoutingLogRecordExporter({
        routes: [
          {
            name: 'errors',
            minSeverity: 'error',
            targets: [failover, new PrettyLogRecordExporter({ stream: stderr })],
          },
          {
            name: 'debug',
            minSeverity: 'debug',
            maxSeverity: 'debug',
            targets: [new PrettyLogRecordExporter({ stream: stdout })],
          },
        ],
      });
      onCleanup(() => router.shutdown());
      // Severity mix: TRACE, DEBUG2, INFO, WARN, ERROR, FATAL; half of the batch during an outage.
      const batches = new Batches();
      const all = withSeverity(batches.next(60), [1, 6, 9, 13, 17, 21]);
      expect((await exportBatch(router, all.slice(0, 30))).code).toBe(0);
      await receiver.stop();
      expect((await exportBatch(router, all.slice(30))).code).toBe(0);
      const errorIds = all
        .filter((r) => (r.severityNumber as number) >= 17)
        .map((r) => idOf(r.attributes as Record<string, unknown>));
      const debugIds = all
        .filter((r) => r.severityNumber === 6)
        .map((r) => idOf(r.attributes as Record<string, unknown>));
      const delivered = [...ids(receiver.records), ...memIds(fallback)].sort((a, b) => a - b);
      expect(delivered).toEqual(errorIds);
      expect(memIds(fallback).length).toBe(10);
      expect(errLines.map((l) => Number(/test\.id=(\d+)/.exec(l)?.[1]))).toEqual(errorIds);
      expect(outLines.map((l) => Number(/test\.id=(\d+)/.exec(l)?.[1]))).toEqual(debugIds);
      expect(router.getStats()).toEqual({
        routes: [
          { name: 'errors', records: 20, batchesFailed: 0 },
          { name: 'debug', records: 10, batchesFailed: 0 },
        ],
        dropped: { unrouted: expect.objectContaining({ total: 30 }) },
      });
    });

    it('should give a target shared by two matching routes each record once', async () => {
      const shared = new InMemoryLogRecordExporter();
      const router = new SeverityRoutingLogRecordExporter({
        routes: [
          { minSeverity: 13, targets: [shared] },
          { when: (r) => r.attributes['code.namespace'] !== undefined, targets: [shared] },
        ],
      });
      const records = new Batches().next(20);
      expect((await exportBatch(router, records)).code).toBe(0);
      expect(tally(memIds(shared), 20)).toEqual({ missing: [], duplicates: 0 });
    });

    it('should fail the batch only when a required route fails, never for an optional one', async () => {
      const required = new KnobExporter();
      const optional = new KnobExporter();
      const router = new SeverityRoutingLogRecordExporter({
        routes: [
          { name: 'req', minSeverity: 'warn', targets: [required] },
          { name: 'opt', targets: [optional], optional: true },
        ],
      });
      const batches = new Batches();
      optional.failWith = new Error('console closed');
      expect((await exportBatch(router, withSeverity(batches.next(4), [17]))).code).toBe(0);
      required.failWith = new Error('14 UNAVAILABLE');
      const r = await exportBatch(router, withSeverity(batches.next(4), [17]));
      expect(r.code).toBe(1);
      expect(r.error?.message).toMatch(/req: 14 UNAVAILABLE/);
      // A batch with nothing for the failing required route succeeds.
      expect((await exportBatch(router, withSeverity(batches.next(4), [9]))).code).toBe(0);
      expect(router.getStats().routes).toEqual([
        { name: 'req', records: 8, batchesFailed: 1 },
        { name: 'opt', records: 12, batchesFailed: 3 },
      ]);
    });

    it('should class unspecified severities from their text and skip a route whose predicate throws', async () => {
      const errors = new InMemoryLogRecordExporter();
      const rest = new InMemoryLogRecordExporter();
      const router = new SeverityRoutingLogRecordExporter({
        routes: [
          { minSeverity: 'error', targets: [errors] },
          {
            maxSeverity: 'warn',
            when: () => {
              throw new Error('bad predicate');
            },
            targets: [rest],
          },
        ],
      });
      const [a, b] = new Batches()
        .next(2)
        .map((r) => ({ ...r, severityNumber: 0 as ReadableLogRecord['severityNumber'] }));
      const records = [
        { ...a!, severityText: 'CRITICAL' },
        { ...b!, severityText: 'warning' },
      ];
      expect((await exportBatch(router, records)).code).toBe(0);
      expect(errors.getFinishedLogRecords()).toHaveLength(1);
      expect(rest.getFinishedLogRecords()).toHaveLength(0);
      expect(router.getStats().dropped.unrouted).toMatchObject({ warn: 1, total: 1 });
    });
  });

  describe('constructor', () => {
    it('should reject a severity bound that names no level', () => {
      expect(
        () =>
          new SeverityRoutingLogRecordExporter({
            routes: [{ minSeverity: 'eror', targets: [new KnobExporter()] }],
          }),
      ).toThrow(/minSeverity must be a severity number 0–24 or a level name.*"eror"/);
    });
  });
});
