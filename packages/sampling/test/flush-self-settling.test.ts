import { ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { SamplingLogRecordProcessor } from '@spillway/sampling';
import { describe, expect, it } from 'vitest';

// A flush of several batches into an exporter that settles its exports by itself (the disk
// buffer: once a write lands) flushes that exporter once, after the last batch is called back;
// into any other exporter, once per batch while it is in flight (the SDK processor's way). One
// disk-buffer flush is one fdatasync: the first halves the syncs of a flush of two batches.
class SettlingExporter {
  readonly events: string[] = [];
  exported = 0;
  constructor(readonly exportsSettleWithoutFlush: boolean) {}
  export(records: ReadableLogRecord[], done: (r: { code: number }) => void): void {
    this.events.push(`export ${records.length}`);
    setImmediate(() => {
      this.exported += records.length;
      this.events.push(`done ${records.length}`);
      done({ code: ExportResultCode.SUCCESS });
    });
  }
  exportSync(records: ReadableLogRecord[]): void {
    this.exported += records.length;
  }
  async forceFlush(): Promise<void> {
    this.events.push('flush');
  }
  async shutdown(): Promise<void> {}
}

function run(exporter: SettlingExporter) {
  const processor = new SamplingLogRecordProcessor({
    exporter,
    keepAll: true,
    maxExportBatchSize: 4,
    scheduledDelayMillis: 60_000,
  });
  const logger = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'flush-self-settling' }),
    processors: [processor],
  }).getLogger('test');
  for (let i = 0; i < 10; i++) logger.emit({ severityNumber: 9, body: `r${i}` });
  return processor;
}

describe('forceFlush into an exporter that settles its exports by itself', () => {
  it('should flush the exporter once, after the last batch is called back', async () => {
    const exporter = new SettlingExporter(true);
    const processor = run(exporter);
    await processor.forceFlush();
    expect(exporter.exported).toBe(10);
    expect(exporter.events).toEqual([
      'export 4',
      'done 4',
      'export 4',
      'done 4',
      'export 2',
      'done 2',
      'flush',
    ]);
    await processor.shutdown();
  });

  it('should flush any other exporter while each batch is in flight (the control)', async () => {
    const exporter = new SettlingExporter(false);
    const processor = run(exporter);
    await processor.forceFlush();
    expect(exporter.exported).toBe(10);
    expect(exporter.events.filter((e) => e === 'flush')).toHaveLength(3);
    expect(exporter.events.indexOf('flush')).toBeLessThan(exporter.events.indexOf('done 4'));
    await processor.shutdown();
  });
});
