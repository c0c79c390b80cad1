import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setGlobalErrorHandler } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { readLogRecords } from '@spillway/file-exporter';
import { OtlpGrpcLogsReceiver, SyntheticRecordGenerator, toLogRecord } from '@spillway/testing';
import { WorkerThreadLogRecordExporter } from '@spillway/worker-exporter';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogRecordProcessorFromEnv } from '../src/create-log-record-processor-from-env';

let receiver: OtlpGrpcLogsReceiver;
beforeAll(async () => {
  receiver = await new OtlpGrpcLogsReceiver().start();
});
afterAll(() => receiver.stop());

/** A pipeline whose only OTLP settings are the config file's `otlp_grpc` block. */
function setup(otlpBlock: string) {
  const dir = mkdtempSync(join(tmpdir(), 'spillway-export-thread-'));
  const file = join(dir, 'otel.yaml');
  writeFileSync(
    file,
    `logger_provider:
  processors:
    - spillway:
        directory: ${join(dir, 'data')}
        sampling:
          ratios: { info: 1, debug: 1, trace: 1, warn: 1 }
          trace_silence_after: 0
          rate_limits: {}
        schedule_delay: 20
        export_thread: worker
        exporter:
          otlp_grpc:
${otlpBlock}
`,
  );
  const processor = createLogRecordProcessorFromEnv({
    OTEL_CONFIG_FILE: file,
    // Never used: the file's block configures the exporter, in the worker.
    OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://127.0.0.1:1',
  });
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'export-thread' }),
    processors: [processor],
  });
  return { dir, processor, provider, logger: provider.getLogger('t') };
}

describe('SPILLWAY_EXPORT_THREAD=worker (export_thread in the file)', () => {
  it('should apply the OTEL_CONFIG_FILE otlp_grpc block in the worker and deliver every record', async () => {
    const { processor, provider, logger } = setup(
      `            endpoint: ${receiver.url}\n            compression: gzip\n            insecure: true\n            headers: [{ name: x-tenant, value: a }]`,
    );
    expect(processor.primaryExporter).toBeInstanceOf(WorkerThreadLogRecordExporter);
    const records = new SyntheticRecordGenerator({ seed: 21 }).take(500);
    for (const r of records) logger.emit(toLogRecord(r));
    await receiver.waitForRecords(500);
    await provider.shutdown();
    expect(receiver.records).toHaveLength(500);
    expect(new Set(receiver.records.map((r) => r.attributes['test.id'])).size).toBe(500);
    const { diskBuffer } = processor.getStats();
    expect(diskBuffer?.recordsDelivered).toBe(500);
    expect(diskBuffer?.recordsPending).toBe(0);
    receiver.clear();
  });

  it('should fail over to files, losing nothing and saying so once, when the worker cannot build the exporter', async () => {
    const errors: string[] = [];
    setGlobalErrorHandler((e) => errors.push((e as Error).message));
    try {
      const { dir, provider, logger } = setup(
        `            endpoint: ${receiver.url}\n            certificate_file: /nonexistent/ca.pem`,
      );
      for (const r of new SyntheticRecordGenerator({ seed: 22 }).take(200)) {
        logger.emit(toLogRecord(r));
      }
      await provider.shutdown();
      const ids = new Set<unknown>();
      for await (const r of readLogRecords(join(dir, 'data', 'files'))) {
        ids.add(r.attributes['test.id']);
      }
      expect(ids.size).toBe(200);
      expect(receiver.records).toHaveLength(0);
      const said = errors.filter((m) => m.startsWith('WorkerThreadLogRecordExporter:'));
      expect(said).toHaveLength(1);
      expect(said[0]).toMatch(/could not be built: ENOENT.*\/nonexistent\/ca\.pem/);
    } finally {
      setGlobalErrorHandler(() => {});
    }
  });
});
