import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { SamplingLogRecordProcessor } from '@spillway/sampling';
import { afterAll, describe, expect, it } from 'vitest';
import { DiskBufferedLogRecordExporter, SlottedDiskBufferedLogRecordExporter } from '../src/index';
import { CollectingExporter } from './helpers/collecting-exporter';
import { removeTempDirs, tempDir } from './helpers/records';

afterAll(removeTempDirs);

// The disk buffer settles every export by itself (when the write lands), and says so
// (`exportsSettleWithoutFlush`): the sampling processor's forceFlush of several batches then
// flushes it once, after the last batch, instead of once per batch in flight. Each disk-buffer
// flush is an fdatasync of the segment: measured with the keep-path benchmark's pattern (1,000
// records, then forceFlush), 2 syncs per flush became 1, as with the SDK's processor.
function countFlushes(exporter: { forceFlush(): Promise<void> }): { n: number } {
  const count = { n: 0 };
  const flush = exporter.forceFlush.bind(exporter);
  exporter.forceFlush = () => {
    count.n++;
    return flush();
  };
  return count;
}

function pipeline(exporter: DiskBufferedLogRecordExporter | SlottedDiskBufferedLogRecordExporter) {
  const processor = new SamplingLogRecordProcessor({ exporter, keepAll: true });
  const logger = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'processor-flush' }),
    processors: [processor],
  }).getLogger('test');
  return { processor, logger };
}

describe('SamplingLogRecordProcessor → disk buffer, forceFlush', () => {
  it('should flush the disk buffer once per processor flush of two batches, with every record written', async () => {
    const downstream = new CollectingExporter();
    const exporter = new DiskBufferedLogRecordExporter({
      exporter: downstream,
      directory: tempDir(),
    });
    expect(exporter.exportsSettleWithoutFlush).toBe(true);
    const flushes = countFlushes(exporter);
    const { processor, logger } = pipeline(exporter);
    for (let round = 1; round <= 3; round++) {
      for (let i = 0; i < 1000; i++) logger.emit({ severityNumber: 9, body: `r${i}` });
      await processor.forceFlush();
      expect(flushes.n).toBe(round);
      expect(exporter.getStats().recordsAccepted).toBe(1000 * round);
    }
    await processor.shutdown();
    expect(downstream.records).toHaveLength(3000);
  });

  it('should say so for the slotted exporter once its process writes a slot', async () => {
    const downstream = new CollectingExporter();
    const exporter = new SlottedDiskBufferedLogRecordExporter({
      exporter: downstream,
      directory: tempDir(),
    });
    expect(exporter.exportsSettleWithoutFlush).toBe(false);
    const { processor, logger } = pipeline(exporter);
    for (let i = 0; i < 1000; i++) logger.emit({ severityNumber: 9, body: `r${i}` });
    await processor.forceFlush();
    expect(exporter.slot).toBeDefined();
    expect(exporter.exportsSettleWithoutFlush).toBe(true);
    await processor.shutdown();
    expect(downstream.records).toHaveLength(1000);
  });
});
