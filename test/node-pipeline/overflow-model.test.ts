// Model test of the overflow path: SamplingLogRecordProcessor (small queue, everything kept) in
// front of a real DiskBufferedLogRecordExporter in a temp directory, driven by random commands —
// bursts of emits, a downstream that turns fast, slow or failing, forceFlush — then shutdown and a
// second disk buffer on the same directory that delivers the backlog. Whatever the sequence, every
// record the processor kept reaches the downstream (at least once), and none is counted dropped.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  LoggerProvider,
  type LogRecordExporter,
  type ReadableLogRecord,
} from '@opentelemetry/sdk-logs';
import { DiskBufferedLogRecordExporter } from '@spillway/disk-buffer';
import { SamplingLogRecordProcessor } from '@spillway/sampling';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

type Mode = 'fast' | 'slow' | 'failing';

/** The downstream: keeps the ids it acknowledged; `mode` says how it answers. */
class Downstream implements LogRecordExporter {
  readonly ids: number[] = [];
  mode: Mode = 'fast';
  export(records: ReadableLogRecord[], done: (r: ExportResult) => void): void {
    if (this.mode === 'failing') {
      done({ code: ExportResultCode.FAILED, error: new Error('collector down') });
      return;
    }
    const ok = () => {
      for (const r of records) this.ids.push(r.attributes.i as number);
      done({ code: ExportResultCode.SUCCESS });
    };
    if (this.mode === 'slow') setTimeout(ok, 5);
    else ok();
  }
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

interface Model {
  emitted: number;
}
interface Real {
  processor: SamplingLogRecordProcessor;
  emit: (n: number) => void;
  downstream: Downstream;
}

class Emit implements fc.AsyncCommand<Model, Real> {
  constructor(readonly n: number) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    r.emit(this.n);
    m.emitted += this.n;
    const s = r.processor.getStats();
    expect(s.queue.size).toBeLessThanOrEqual(64);
    expect(s.dropped.queue_full.total).toBe(0);
  }
  toString = () => `emit(${this.n})`;
}

class SetMode implements fc.AsyncCommand<Model, Real> {
  constructor(readonly mode: Mode) {}
  check = () => true;
  async run(_m: Model, r: Real): Promise<void> {
    r.downstream.mode = this.mode;
  }
  toString = () => `downstream(${this.mode})`;
}

class ForceFlush implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    await r.processor.forceFlush();
    // Everything emitted before the flush is acknowledged by the disk buffer (in the WAL).
    const s = r.processor.getStats();
    expect(s.exported.total).toBe(m.emitted);
    expect(s.dropped.export_failed.total).toBe(0);
  }
  toString = () => 'forceFlush';
}

const commands = [
  fc.integer({ min: 1, max: 600 }).map((n) => new Emit(n)),
  fc.constantFrom<Mode>('fast', 'slow', 'failing').map((mode) => new SetMode(mode)),
  fc.constant(new ForceFlush()),
];

describe('SamplingLogRecordProcessor overflow + DiskBufferedLogRecordExporter (model)', () => {
  it('should never lose a kept record, whatever the bursts, downstream and flushes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { size: '-1' }), async (cmds) => {
        const directory = mkdtempSync(join(tmpdir(), 'spillway-overflow-model-'));
        const downstream = new Downstream();
        const disk = new DiskBufferedLogRecordExporter({
          exporter: downstream,
          directory,
          fsync: 'never',
          retry: { initialMillis: 2, maxMillis: 10 },
          shutdownTimeoutMillis: 50,
        });
        const processor = new SamplingLogRecordProcessor({
          exporter: disk,
          maxQueueSize: 64,
          maxExportBatchSize: 16,
          scheduledDelayMillis: 5,
          ratios: { trace: 1, debug: 1, info: 1, warn: 1, error: 1 },
          rateLimits: { warn: 0, error: 0 },
          traceSilenceAfter: 0,
        });
        const provider = new LoggerProvider({
          resource: resourceFromAttributes({ 'service.name': 'model' }),
          processors: [processor],
        });
        const logger = provider.getLogger('model');
        let next = 0;
        const emit = (n: number) => {
          for (let k = 0; k < n; k++, next++) {
            // Mixed classes: the overflow must not evict a lower class either.
            const severityNumber = next % 7 === 0 ? 17 : 9;
            logger.emit({ severityNumber, body: `r${next}`, attributes: { i: next } });
          }
        };
        const model: Model = { emitted: 0 };
        await fc.asyncModelRun(() => ({ model, real: { processor, emit, downstream } }), cmds);
        await processor.shutdown();
        expect(processor.getStats().dropped.queue_full.total).toBe(0);
        expect(disk.getStats().dropped.disk_full.total).toBe(0);

        // What the first buffer did not deliver is in the WAL: a second one on the directory sends it.
        const after = new Downstream();
        const second = new DiskBufferedLogRecordExporter({
          exporter: after,
          directory,
          fsync: 'never',
        });
        for (let k = 0; k < 100 && after.ids.length + downstream.ids.length < model.emitted; k++) {
          await second.forceFlush();
        }
        await second.shutdown();
        const delivered = new Set([...downstream.ids, ...after.ids]);
        expect(delivered.size).toBe(model.emitted);
        for (let i = 0; i < model.emitted; i++)
          if (!delivered.has(i)) expect.fail(`record ${i} lost`);
      }),
      { numRuns: 25 },
    );
  });
});
