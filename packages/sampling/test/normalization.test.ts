import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { emptySubstitutionCounts, normalizeLogRecords } from '@spillway/record-format';
import { describe, expect, it } from 'vitest';
import { CollectingExporter, SEV, SyncCollectingExporter, setupProvider } from './helpers';

/*
 * Kept records are normalised before they are queued: each batch the exporter receives holds only
 * records every encoder can write, with each substitute counted, and is marked so that a spillway
 * exporter behind does not walk it again. The records themselves are not marked.
 */

/** An exporter that also says, per batch, whether a spillway stage would walk it again. */
class MarkCheckingExporter extends CollectingExporter {
  readonly walkedAgain: boolean[] = [];
  override export(records: ReadableLogRecord[], done: Parameters<CollectingExporter['export']>[1]) {
    this.walkedAgain.push(normalizeLogRecords(records, emptySubstitutionCounts()) !== records);
    super.export(records, done);
  }
}

describe('normalisation of kept records', () => {
  it('should hand the exporter repaired records in marked batches, neighbours intact, substitutes counted', async () => {
    const exporter = new MarkCheckingExporter();
    const { logger, processor } = setupProvider({ keepAll: true }, exporter);
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    logger.emit({ severityNumber: SEV.info, body: 'before' });
    logger.emit({ severityNumber: SEV.info, body: 'lone \ud800 surrogate' });
    logger.emit({ severityNumber: SEV.info, body: cyclic as never });
    logger.emit({ severityNumber: SEV.info, body: 'after' });
    await processor.forceFlush();
    const bodies = exporter.records.map((r) => r.body);
    expect(bodies[0]).toBe('before');
    expect(bodies[1]).toBe('lone \ufffd surrogate');
    expect(bodies[2]).toEqual({ a: 1, self: '[cyclic]' });
    expect(bodies[3]).toBe('after');
    const stats = processor.getStats();
    expect(stats.substitutedValues.surrogate).toBe(1);
    expect(stats.substitutedValues.cyclic).toBe(1);
    expect(exporter.walkedAgain).toEqual([false]);
    expect(exporter.records.every((r) => Object.getOwnPropertySymbols(r).length === 0)).toBe(true);
  });

  it('should normalise and mark what goes to exportSync: FATAL write-through and overflow', () => {
    const exporter = new SyncCollectingExporter();
    const batches: ReadableLogRecord[][] = [];
    const exportSync = exporter.exportSync.bind(exporter);
    exporter.exportSync = (records) => {
      batches.push(records);
      exportSync(records);
    };
    // The first batch's export never answers, so the queue fills and overflows to exportSync.
    exporter.hang = true;
    const { logger } = setupProvider(
      { keepAll: true, maxQueueSize: 4, maxExportBatchSize: 2 },
      exporter,
    );
    for (let i = 0; i < 8; i++) logger.emit({ severityNumber: SEV.info, body: `q${i}\udc00` });
    logger.emit({ severityNumber: SEV.fatal, body: 'fatal \ud800' });
    const bodies = exporter.syncRecords.map((r) => r.body);
    expect(bodies).toContain('fatal \ufffd');
    expect(bodies.filter((b) => typeof b !== 'string' || /[\ud800-\udfff]/.test(b))).toEqual([]);
    expect(batches.length).toBeGreaterThanOrEqual(2);
    for (const b of batches) {
      expect(normalizeLogRecords(b, emptySubstitutionCounts())).toBe(b);
    }
  });

  it('should queue, count and deliver a record whose fields throw when read', async () => {
    const exporter = new CollectingExporter();
    const { processor } = setupProvider({ keepAll: true }, exporter);
    const hostile = new Proxy(
      {},
      {
        get(_t, key) {
          if (key === 'severityNumber') return SEV.info;
          throw new Error(`no ${String(key)}`);
        },
      },
    );
    processor.onEmit(hostile as never);
    await processor.forceFlush();
    expect(exporter.records).toHaveLength(1);
    expect(processor.getStats().exported.info).toBe(1);
  });
});
