import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { defaultDataDirectory } from '@spillway/config';
import { OtlpGrpcLogsReceiver } from '@spillway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogRecordProcessorFromEnv } from '../src/create-log-record-processor-from-env';

const RECORDS = 2000;
let receiver: OtlpGrpcLogsReceiver;

beforeAll(async () => {
  receiver = await new OtlpGrpcLogsReceiver().start();
});
afterAll(() => receiver.stop());

/**
 * Builds the pipeline from `env` against a healthy collector, emits 2,000 records, and returns
 * the spillway configuration warnings raised while building it and what reached the collector.
 */
async function run(env: Record<string, string>, service = 'node-minimums-test', pad = 0) {
  const warnings: string[] = [];
  const onWarning = (w: Error) => {
    if (w.name === 'SpillwayConfigWarning') warnings.push(w.message);
  };
  process.on('warning', onWarning);
  receiver.clear();
  const processor = createLogRecordProcessorFromEnv({
    OTEL_SERVICE_NAME: service,
    SPILLWAY_DIR: mkdtempSync(join(tmpdir(), 'spillway-node-')),
    OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: receiver.url,
    OTEL_BLRP_SCHEDULE_DELAY: '50',
    SPILLWAY_SAMPLING: 'all',
    ...env,
  });
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    processors: [processor],
  });
  try {
    // emitWarning is delivered on the next tick.
    await new Promise((r) => setImmediate(r));
    const logger = provider.getLogger('test');
    for (let i = 0; i < RECORDS; i++) {
      logger.emit({
        severityNumber: 9 + (i % 9),
        body: `order ${i} shipped to warehouse ${i % 7}${' '.repeat(pad)}`,
        attributes: { 'test.id': i },
      });
    }
    await processor.forceFlush();
    await receiver.waitForRecords(RECORDS, 30_000);
    const ids = new Set(receiver.records.map((r) => r.attributes['test.id']));
    return { warnings, delivered: ids.size, processor };
  } finally {
    process.off('warning', onWarning);
    await provider.shutdown();
  }
}

describe('createLogRecordProcessorFromEnv', () => {
  describe('sizes that would stop logging', () => {
    it.each([
      ['SPILLWAY_MAX_QUEUE_BYTES', '0', 'at least 1MiB'],
      ['SPILLWAY_MAX_QUEUE_BYTES', '1B', 'at least 1MiB'],
      ['SPILLWAY_MAX_DISK_BYTES', '1KiB', 'at least 16MiB'],
      ['SPILLWAY_MAX_DISK_BYTES', '0', 'at least 16MiB'],
    ])(
      'should warn about %s=%s, use the default and deliver every record',
      async (variable, value, form) => {
        const { warnings, delivered, processor } = await run({ [variable]: value });
        expect(warnings).toHaveLength(1);
        expect(warnings[0]).toMatch(
          new RegExp(
            `^${variable}="${value}" is not valid: expected .*, ${form}; using the default `,
          ),
        );
        expect(delivered).toBe(RECORDS);
        expect(processor.diskBuffer).toBeDefined(); // the WAL is on, whatever the value
        expect(processor.config.maxQueueBytes).toBeGreaterThanOrEqual(2 ** 20);
        expect(processor.config.maxDiskBytes).toBe(2 ** 30);
      },
    );

    it.each([
      ['SPILLWAY_MAX_QUEUE_BYTES', '1MiB'],
      ['SPILLWAY_MAX_DISK_BYTES', '16MiB'],
    ])(
      'should run at the minimum %s=%s without a warning and deliver every record',
      async (variable, value) => {
        const { warnings, delivered, processor } = await run({ [variable]: value });
        expect(warnings).toEqual([]);
        expect(delivered).toBe(RECORDS);
        const stats = processor.getStats();
        expect(stats.sampling.dropped.queue_full.total).toBe(0);
        expect(stats.diskBuffer?.recordsAccepted).toBe(RECORDS);
      },
    );
  });

  describe('SPILLWAY_DIR', () => {
    it('should refuse a relative directory with a warning and use the default one', async () => {
      const service = `node-minimums-relative-${process.pid}`;
      try {
        const { warnings, delivered, processor } = await run(
          { SPILLWAY_DIR: 'relative/spillway' },
          service,
        );
        expect(warnings).toEqual([
          `SPILLWAY_DIR="relative/spillway" is not valid: expected an absolute directory path outside /proc and /sys (e.g. /var/lib/my-service/spillway); using the default <tmpdir>/spillway/<service.name>.`,
        ]);
        expect(processor.config.directory).toBe(defaultDataDirectory(service));
        expect(delivered).toBe(RECORDS);
      } finally {
        rmSync(defaultDataDirectory(service), { recursive: true, force: true });
      }
    });
  });
});
