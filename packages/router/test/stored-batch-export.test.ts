// FailoverLogRecordExporter.exportStored: a disk buffer's stored batch goes to each target as it
// takes batches, decoded only for a target that needs records, with export()'s accounting.
import type { ExportResult } from '@opentelemetry/core';
import { InMemoryLogRecordExporter, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import {
  decodeLogRecordBatches,
  encodeLogRecordBatch,
  type StoredBatchLogRecordExporter,
  type StoredLogRecordBatch,
  storedLogRecordBatch,
} from '@spillway/disk-buffer';
import { readLogRecords, ZstdFileLogRecordExporter } from '@spillway/file-exporter';
import { countDecodes } from '@spillway/testing';
import { describe, expect, it } from 'vitest';
import { FailoverLogRecordExporter } from '../src/failover-log-record-exporter';
import type { FailoverLogRecordExporterOptions, FailoverStats } from '../src/types';
import { Batches, exportBatch, idOf, KnobExporter, onCleanup, tempDir } from './helpers';

/** A knob exporter that also takes stored batches: it keeps their payloads, never their records. */
class StoredKnobExporter extends KnobExporter implements StoredBatchLogRecordExporter {
  readonly storedPayloads: Buffer[] = [];
  storedBatches = 0;

  exportStored(batch: StoredLogRecordBatch, cb: (r: ExportResult) => void): void {
    this.storedBatches++;
    if (this.hang) {
      // Held as export holds it: answered by release() or shutdown().
      this.export([], cb);
      return;
    }
    if (this.failWith) {
      cb({ code: 1, error: this.failWith });
      return;
    }
    this.storedPayloads.push(...batch.payloads);
    cb({ code: 0 });
  }
}

/** A stored batch of `records` (one codec payload) that counts its decodes. */
function countedBatch(records: ReadableLogRecord[]) {
  // The codec's buffer is a view into a shared slab: the batch keeps a copy, as the WAL would.
  const payload = Buffer.from(encodeLogRecordBatch(records));
  return { ...countDecodes(storedLogRecordBatch([payload], records.length)), payload };
}

const idsOf = (records: readonly ReadableLogRecord[]) =>
  records.map((r) => idOf(r.attributes as Record<string, unknown>));

function exportStored(
  exporter: FailoverLogRecordExporter,
  batch: StoredLogRecordBatch,
): Promise<ExportResult> {
  return new Promise((resolve) => exporter.exportStored(batch, resolve));
}

function setup(targets: KnobExporter[], opts: Partial<FailoverLogRecordExporterOptions> = {}) {
  const failover = new FailoverLogRecordExporter({
    exporters: targets,
    names: targets.map((_, i) => `t${i}`),
    replay: false,
    ...opts,
  });
  onCleanup(() => failover.shutdown());
  return failover;
}

/** Stats without the fields that name a moment (they differ between any two runs). */
function timeless(stats: FailoverStats) {
  return stats.targets.map(({ lastError, nextRetryAt: _n, openMillis: _o, ...rest }) => ({
    ...rest,
    lastError: lastError && { message: lastError.message, class: lastError.class },
    totals: { batches: stats.batches, records: stats.records },
  }));
}

describe('FailoverLogRecordExporter', () => {
  describe('exportStored', () => {
    it('should hand the stored batch to a primary that takes stored batches, never decoding it', async () => {
      const primary = new StoredKnobExporter();
      const fallback = new KnobExporter();
      const failover = setup([primary, fallback]);
      const { batch, payload, decodes } = countedBatch(new Batches().next(25));
      expect((await exportStored(failover, batch)).code).toBe(0);
      expect(decodes()).toBe(0);
      expect(primary.storedBatches).toBe(1);
      expect(primary.storedPayloads).toEqual([payload]);
      expect(primary.offered).toEqual([]);
      expect(fallback.offered).toEqual([]);
      const stats = failover.getStats();
      expect(stats.targets[0]).toMatchObject({ batchesSent: 1, recordsSent: 25 });
      expect(stats.batches).toEqual({ exported: 1, failed: 0 });
      expect(stats.records).toEqual({ exported: 25, failed: 0, inflight: 0 });
    });

    it('should decode the batch once for a fallback that needs records when the primary fails', async () => {
      const primary = new StoredKnobExporter();
      primary.failWith = new Error('collector down');
      const fallback = new InMemoryLogRecordExporter();
      const failover = new FailoverLogRecordExporter({
        exporters: [primary, fallback],
        replay: false,
      });
      onCleanup(() => failover.shutdown());
      const { batch, payload, decodes } = countedBatch(new Batches().next(40));
      expect((await exportStored(failover, batch)).code).toBe(0);
      expect(primary.storedBatches).toBe(1);
      expect(decodes()).toBe(1);
      expect(fallback.getFinishedLogRecords()).toEqual(decodeLogRecordBatches([payload]));
      expect(failover.getStats().targets[1]).toMatchObject({ batchesSent: 1, recordsSent: 40 });
    });

    it('should write the decoded records to a real zstd file fallback', async () => {
      const dir = tempDir();
      const primary = new StoredKnobExporter();
      primary.failWith = new Error('collector down');
      const file = new ZstdFileLogRecordExporter({ directory: dir });
      const failover = new FailoverLogRecordExporter({ exporters: [primary, file], replay: false });
      onCleanup(() => failover.shutdown());
      const records = new Batches().next(30);
      const { batch, decodes } = countedBatch(records);
      expect((await exportStored(failover, batch)).code).toBe(0);
      await failover.shutdown();
      expect(decodes()).toBe(1);
      const written: ReadableLogRecord[] = [];
      for await (const r of readLogRecords(dir)) written.push(r);
      expect(idsOf(written)).toEqual(idsOf(records));
      expect(written.map((r) => r.body)).toEqual(records.map((r) => r.body));
    });

    it('should fail a target that needs records when the batch does not decode, then try the next', async () => {
      const plain = new KnobExporter();
      const stored = new StoredKnobExporter();
      const failover = setup([plain, stored]);
      // Not a codec payload: the real decoder refuses it.
      const garbage = storedLogRecordBatch([Buffer.from('not a record-codec payload')], 3);
      expect(() => garbage.records()).toThrow();
      expect((await exportStored(failover, garbage)).code).toBe(0);
      expect(plain.offered).toEqual([]);
      expect(stored.storedBatches).toBe(1);
      const [first, second] = failover.getStats().targets;
      // The batch's fault: counted as rejected, the circuit untouched.
      expect(first).toMatchObject({
        state: 'closed',
        consecutiveFailures: 0,
        batchesFailed: 1,
        batchesRejected: 1,
        batchesSent: 0,
      });
      expect(first?.lastError?.class).toBe('batch');
      expect(second).toMatchObject({ batchesSent: 1, recordsSent: 3 });
    });

    it('should report FAILED with the decode error when no target takes the batch as stored', async () => {
      const failover = setup([new KnobExporter(), new KnobExporter()]);
      const garbage = storedLogRecordBatch([Buffer.from('not a record-codec payload')], 3);
      let message = '';
      try {
        garbage.records();
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).not.toBe('');
      const result = await exportStored(failover, garbage);
      expect(result.code).toBe(1);
      expect(result.error?.message).toContain(`t0: ${message}`);
      expect(result.error?.message).toContain(`t1: ${message}`);
      expect(failover.getStats().batches).toEqual({ exported: 0, failed: 1 });
      expect(failover.getStats().records).toEqual({ exported: 0, failed: 3, inflight: 0 });
    });

    it('should fall through on a stored target that times out', async () => {
      const primary = new StoredKnobExporter();
      primary.hang = true;
      const fallback = new KnobExporter();
      const failover = setup([primary, fallback], { exportTimeoutMillis: 50 });
      const records = new Batches().next(5);
      const { batch } = countedBatch(records);
      expect((await exportStored(failover, batch)).code).toBe(0);
      expect(idsOf(fallback.received)).toEqual(idsOf(records));
      expect(failover.getStats().targets[0]).toMatchObject({ timeouts: 1, batchesFailed: 1 });
      primary.release();
    });

    it('should refuse a batch after shutdown without decoding it', async () => {
      const primary = new StoredKnobExporter();
      const failover = setup([primary]);
      await failover.shutdown();
      const { batch, decodes } = countedBatch(new Batches().next(4));
      const result = await exportStored(failover, batch);
      expect(result.code).toBe(1);
      expect(result.error?.message).toBe('FailoverLogRecordExporter is shut down');
      expect([decodes(), primary.storedBatches]).toEqual([0, 0]);
    });

    it('should leave the same stats as export() of the records in the same scenario', async () => {
      // Per batch: the primary fails the first 3 (its circuit opens), then the fallback fails one.
      const run = async (stored: boolean) => {
        const primary = new StoredKnobExporter();
        const fallback = new KnobExporter();
        const failover = setup([primary, fallback], {
          failureThreshold: 3,
          retryIntervalMillis: 60_000,
          maxRetryIntervalMillis: 60_000,
        });
        primary.failWith = new Error('collector down');
        const batches = new Batches();
        const codes: number[] = [];
        for (let i = 0; i < 6; i++) {
          if (i === 4) fallback.failWith = new Error('disk full');
          if (i === 5) fallback.failWith = undefined;
          const records = batches.next(10 + i);
          const result = stored
            ? await exportStored(failover, countedBatch(records).batch)
            : await exportBatch(failover, records);
          codes.push(result.code);
        }
        return { codes, stats: timeless(failover.getStats()) };
      };
      const viaExport = await run(false);
      const viaStored = await run(true);
      expect(viaExport.codes).toEqual([0, 0, 0, 0, 1, 0]);
      expect(viaStored).toEqual(viaExport);
      // 3 before the circuit opened, and the last-resort try when the fallback failed too.
      expect(viaStored.stats[0]).toMatchObject({ state: 'open', batchesFailed: 4 });
    });
  });
});
