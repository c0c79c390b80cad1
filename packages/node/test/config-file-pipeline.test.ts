import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExportResultCode } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createLogRecordProcessorFromEnv } from '../src/create-log-record-processor-from-env';
import { createSpillwayProcessorFromConfig } from '../src/create-spillway-processor-from-config';
import type { SpillwayLogRecordProcessor } from '../src/spillway-log-record-processor';

const root = mkdtempSync(join(tmpdir(), 'spillway-node-config-file-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const opened: SpillwayLogRecordProcessor[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((p) => p.shutdown()));
});

/** An exporter that keeps what it is given: no network, so the test sees the configuration only. */
class KeepingExporter implements LogRecordExporter {
  readonly records: ReadableLogRecord[] = [];
  export(records: ReadableLogRecord[], done: (r: { code: ExportResultCode }) => void): void {
    this.records.push(...records);
    done({ code: ExportResultCode.SUCCESS });
  }
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

function configFile(text: string): string {
  const path = join(root, `config-${opened.length}-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, text);
  return path;
}

function warningsWhile<T>(build: () => T): { value: T; warnings: string[] } {
  const warnings: string[] = [];
  const onWarning = (w: Error) => {
    if (w.name === 'SpillwayConfigWarning') warnings.push(w.message);
  };
  process.on('warning', onWarning);
  try {
    return { value: build(), warnings };
  } finally {
    // emitWarning delivers on the next tick: collect those first.
    setImmediate(() => process.off('warning', onWarning));
  }
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('createLogRecordProcessorFromEnv with OTEL_CONFIG_FILE', () => {
  it('should take code over the file, the file over SPILLWAY_*, and defaults for the rest', async () => {
    const directory = join(root, 'from-file');
    const path = configFile(`logger_provider:
  processors:
    - spillway:
        directory: ${directory}
        fsync: always
        failover: none
        sampling:
          ratios: { info: 0.5 }
        max_export_batch_size: 64
`);
    const { value: processor, warnings } = warningsWhile(() =>
      createLogRecordProcessorFromEnv(
        { OTEL_CONFIG_FILE: path, SPILLWAY_FSYNC: 'never', SPILLWAY_MAX_DISK_BYTES: '64MiB' },
        { exporter: new KeepingExporter(), maxExportBatchSize: 8 },
      ),
    );
    opened.push(processor);
    await tick();
    expect(processor.config).toMatchObject({
      directory,
      fsync: 'always', // file, over SPILLWAY_FSYNC
      maxDiskBytes: 2 ** 30, // default: SPILLWAY_MAX_DISK_BYTES is ignored beside the file
      failover: 'none',
      maxExportBatchSize: 8, // code, over the file
    });
    expect(processor.policy.ratios.info).toBe(0.5);
    expect(processor.failover).toBeUndefined();
    expect(warnings).toEqual([
      `OTEL_CONFIG_FILE is set, so SPILLWAY_FSYNC, SPILLWAY_MAX_DISK_BYTES are ignored (the configuration file replaces the environment); move them into the spillway processor's properties.`,
    ]);
  });

  it('should warn about a missing file and build the pipeline from the environment', async () => {
    const directory = join(root, 'from-env');
    const missing = join(root, 'no-such.yaml');
    const { value: processor, warnings } = warningsWhile(() =>
      createLogRecordProcessorFromEnv(
        { OTEL_CONFIG_FILE: missing, SPILLWAY_DIR: directory, SPILLWAY_FSYNC: 'never' },
        { exporter: new KeepingExporter() },
      ),
    );
    opened.push(processor);
    await tick();
    expect(processor.config).toMatchObject({ directory, fsync: 'never' });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`OTEL_CONFIG_FILE=${JSON.stringify(missing)} is not valid`);
    expect(warnings[0]).toContain('cannot be read (ENOENT');
  });
});

describe('createSpillwayProcessorFromConfig', () => {
  it('should build the pipeline from a property map and deliver through it', async () => {
    const exporter = new KeepingExporter();
    const directory = join(root, 'properties');
    const processor = createSpillwayProcessorFromConfig(
      { directory, fsync: 'never', failover: 'none', sampling: { ratios: 'all' } },
      { exporter, serviceName: 'plugin-test' },
    );
    opened.push(processor);
    expect(processor.config).toMatchObject({
      directory,
      fsync: 'never',
      serviceName: 'plugin-test',
      traceSilenceAfter: 0,
    });
    expect(processor.policy.ratios).toEqual({
      fatal: 1,
      error: 1,
      warn: 1,
      info: 1,
      debug: 1,
      trace: 1,
    });
  });
});
