import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DiagLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { readLogRecords } from '@spillway/file-exporter';
import { OtlpGrpcLogsReceiver, SyntheticRecordGenerator, toLogRecord } from '@spillway/testing';
import { WorkerThreadLogRecordExporter } from '@spillway/worker-exporter';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogRecordProcessorFromEnv } from '../src/create-log-record-processor-from-env';
import type { OtlpGrpcLogExporter } from '../src/otlp-grpc-log-exporter';
import type { SpillwayLogRecordProcessor } from '../src/spillway-log-record-processor';

const ALL = 'fatal=1,error=1,warn=1,info=1,debug=1,trace=1';
let receiver: OtlpGrpcLogsReceiver;
const open: { provider: LoggerProvider; processor: SpillwayLogRecordProcessor }[] = [];

beforeAll(async () => {
  receiver = await new OtlpGrpcLogsReceiver().start();
});
afterAll(() => receiver.stop());
afterEach(async () => {
  for (const o of open.splice(0)) await o.provider.shutdown();
  receiver.clear();
});

function setup(env: Record<string, string>, debounce = 20) {
  const dir = mkdtempSync(join(tmpdir(), 'spillway-node-'));
  const processor = createLogRecordProcessorFromEnv(
    {
      OTEL_SERVICE_NAME: 'node-test',
      SPILLWAY_DIR: dir,
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: receiver.url,
      OTEL_BLRP_SCHEDULE_DELAY: '50',
      ...env,
    },
    { configFileDebounceMillis: debounce },
  );
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'node-test' }),
    processors: [processor],
  });
  open.push({ provider, processor });
  const generator = new SyntheticRecordGenerator({ seed: 7 });
  return { dir, processor, provider, logger: provider.getLogger('test'), generator };
}

describe('createLogRecordProcessorFromEnv', () => {
  describe('configuration warnings', () => {
    it('should warn through process.emitWarning and diag.warn, and still build the pipeline', async () => {
      const warnings: Error[] = [];
      const onWarning = (w: Error) => warnings.push(w);
      process.on('warning', onWarning);
      const diagged: string[] = [];
      const logger = { warn: (m: string) => diagged.push(m) } as unknown as DiagLogger;
      diag.setLogger(
        { ...logger, error() {}, info() {}, debug() {}, verbose() {} },
        DiagLogLevel.WARN,
      );
      try {
        const { processor } = setup({ SPILLWAY_MAX_DISK_BYTES: '12 parsecs' });
        await new Promise((r) => setImmediate(r));
        const w = warnings.find((x) => x.name === 'SpillwayConfigWarning');
        expect(w?.message).toBe(
          'SPILLWAY_MAX_DISK_BYTES="12 parsecs" is not valid: expected a byte count or a number with a unit: 1048576, 512MiB, 2GiB, 1.5GB (B, KB, MB, GB, TB, KiB, MiB, GiB, TiB), at least 16MiB; using the default 1GiB.',
        );
        expect(diagged).toContain(w?.message);
        expect(processor.config.maxDiskBytes).toBe(2 ** 30);
      } finally {
        process.off('warning', onWarning);
        diag.disable();
      }
    });
  });

  describe('pipeline', () => {
    it('should deliver kept records to the OTLP endpoint through the WAL', async () => {
      const { processor, logger, generator } = setup({ SPILLWAY_SAMPLING: ALL });
      const records = generator.take(300);
      for (const r of records) logger.emit(toLogRecord(r));
      await processor.forceFlush();
      await receiver.waitForRecords(300, 20_000);
      const ids = new Set(receiver.records.map((r) => r.attributes['test.id']));
      expect(ids.size).toBe(300);
      const stats = processor.getStats();
      expect(stats.sampling.kept.total).toBe(300);
      expect(stats.diskBuffer?.recordsAccepted).toBe(300);
      expect(stats.failover?.targets[0]?.recordsSent).toBe(300);
    });

    it('should sample by the SPILLWAY_SAMPLING ratios and keep every ERROR', async () => {
      const { processor, logger, generator } = setup({
        SPILLWAY_SAMPLING: 'warn=0,info=0,debug=0,trace=0',
      });
      const records = generator.take(2000);
      for (const r of records) logger.emit(toLogRecord(r));
      await processor.forceFlush();
      const errors = records.filter((r) => r.severityNumber >= 17).length;
      await receiver.waitForRecords(errors, 20_000);
      expect(receiver.records.every((r) => r.severityNumber >= 17)).toBe(true);
      expect(processor.getStats().sampling.dropped.sampled.total).toBe(2000 - errors);
    });

    it('should hand a FATAL record to the WAL before emit returns', () => {
      const { processor, logger } = setup({});
      logger.emit({ severityNumber: 21, severityText: 'FATAL', body: 'disk on fire' });
      expect(processor.getStats().diskBuffer?.recordsAccepted).toBe(1);
    });

    it('should fail over to local zstd files while the collector is unreachable', async () => {
      const { dir, processor, provider, logger, generator } = setup({
        SPILLWAY_SAMPLING: ALL,
        OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://127.0.0.1:1',
      });
      for (const r of generator.take(200)) logger.emit(toLogRecord(r));
      await provider.shutdown();
      const stats = processor.getStats();
      expect(stats.files?.recordsWritten).toBe(200);
      const ids = new Set<unknown>();
      for await (const r of readLogRecords(join(dir, 'files'))) ids.add(r.attributes['test.id']);
      expect(ids.size).toBe(200);
    });

    it('should deliver through the OTLP exporter on the main thread, written from the WAL payloads', async () => {
      const { processor, provider, logger, generator } = setup({ SPILLWAY_SAMPLING: ALL });
      for (const r of generator.take(300)) logger.emit(toLogRecord(r));
      await provider.forceFlush();
      await receiver.waitForRecords(300);
      expect(receiver.records).toHaveLength(300);
      const primary = processor.primaryExporter as OtlpGrpcLogExporter;
      // The sender's batches reach the exporter through the router with their payloads attached.
      expect(primary.getEncodingStats?.().batchesTranscoded).toBeGreaterThan(0);
      expect(primary.getEncodingStats?.().batchesEncoded).toBe(0);
      expect(primary.getEncodingStats?.().batchesBySdkSerializer).toBe(0);
    });

    it('should deliver through the OTLP exporter on the worker thread', async () => {
      const env = { SPILLWAY_EXPORT_THREAD: 'worker' };
      const { processor, provider, logger, generator } = setup({ SPILLWAY_SAMPLING: ALL, ...env });
      expect(processor.primaryExporter).toBeInstanceOf(WorkerThreadLogRecordExporter);
      for (const r of generator.take(300)) logger.emit(toLogRecord(r));
      await provider.forceFlush();
      await receiver.waitForRecords(300);
      expect(receiver.records).toHaveLength(300);
    });

    it('should send straight to OTLP without files with SPILLWAY_FAILOVER=none', () => {
      const { processor } = setup({ SPILLWAY_FAILOVER: 'none' });
      expect(processor.failover).toBeUndefined();
      expect(processor.fileExporter).toBeUndefined();
      expect(processor.wal).toBeDefined();
    });

    it('should run without the WAL, warning, when the directory cannot be created', async () => {
      const file = join(mkdtempSync(join(tmpdir(), 'spillway-node-')), 'a-file');
      writeFileSync(file, '');
      const warnings: Error[] = [];
      const onWarning = (w: Error) => warnings.push(w);
      process.on('warning', onWarning);
      try {
        const { processor, logger, generator } = setup({
          SPILLWAY_SAMPLING: ALL,
          SPILLWAY_DIR: join(file, 'spillway'),
        });
        // The slot is taken on the first record, so that is when the directory is found unusable.
        for (const r of generator.take(10)) logger.emit(toLogRecord(r));
        await processor.forceFlush();
        await new Promise((r) => setImmediate(r));
        expect(processor.diskBuffer).toBeUndefined();
        expect(warnings.map((w) => w.message).join('\n')).toContain('ENOTDIR');
        await receiver.waitForRecords(10, 20_000);
      } finally {
        process.off('warning', onWarning);
      }
    });

    it('should write the next WAL slot, without a warning, when another pipeline holds the first', async () => {
      const first = setup({ SPILLWAY_SAMPLING: ALL });
      const warnings: Error[] = [];
      const onWarning = (w: Error) => warnings.push(w);
      process.on('warning', onWarning);
      try {
        for (const r of first.generator.take(5)) first.logger.emit(toLogRecord(r));
        await first.processor.forceFlush();
        const second = setup({ SPILLWAY_SAMPLING: ALL, SPILLWAY_DIR: first.dir });
        for (const r of second.generator.take(10)) second.logger.emit(toLogRecord(r));
        await second.processor.forceFlush();
        expect(first.processor.wal.slot).toBe(0);
        expect(second.processor.wal.slot).toBe(1);
        expect(second.processor.getStats().diskBuffer?.recordsAccepted).toBe(10);
        expect(warnings.map((w) => w.message).join('\n')).not.toMatch(/write-ahead log/);
        await receiver.waitForRecords(15, 20_000);
      } finally {
        process.off('warning', onWarning);
      }
    });
  });

  describe('SPILLWAY_CONFIG_FILE', () => {
    it('should start with the file policy and hot-reload ratio changes in the running pipeline', async () => {
      const policyDir = mkdtempSync(join(tmpdir(), 'spillway-policy-'));
      const policyFile = join(policyDir, 'policy.json');
      writeFileSync(
        policyFile,
        JSON.stringify({ ratios: { warn: 0, info: 0, debug: 0, trace: 0 } }),
      );
      const { processor, logger, generator } = setup({
        SPILLWAY_SAMPLING: ALL,
        SPILLWAY_CONFIG_FILE: policyFile,
      });
      expect(processor.policy.ratios.info).toBe(0);
      const info = () => ({ ...generator.next(), severityNumber: 9, severityText: 'INFO' });
      for (let i = 0; i < 100; i++) logger.emit(toLogRecord(info()));
      expect(processor.getStats().sampling.kept.info).toBe(0);

      const reloaded = new Promise<void>((resolve) => processor.onPolicyChange(() => resolve()));
      writeFileSync(policyFile, JSON.stringify({ ratios: { info: 1 } }));
      await reloaded;
      expect(processor.policy.ratios).toMatchObject({ info: 1, warn: 1 });
      for (let i = 0; i < 100; i++) logger.emit(toLogRecord(info()));
      expect(processor.getStats().sampling.kept.info).toBe(100);
      await processor.forceFlush();
      await receiver.waitForRecords(100, 20_000);
      expect(receiver.records).toHaveLength(100);
    });

    it('should keep the last good policy when the file turns invalid', async () => {
      const policyDir = mkdtempSync(join(tmpdir(), 'spillway-policy-'));
      const policyFile = join(policyDir, 'policy.json');
      writeFileSync(policyFile, JSON.stringify({ ratios: { info: 0.5 } }));
      const { processor } = setup({ SPILLWAY_CONFIG_FILE: policyFile });
      let onWarning: (w: Error) => void = () => {};
      const warned = new Promise<Error>((resolve) => {
        onWarning = (w) => {
          if (w.message.includes('keeping the last good policy')) resolve(w);
        };
        process.on('warning', onWarning);
      });
      try {
        writeFileSync(policyFile, '{"ratios":{"info":2}}');
        expect((await warned).message).toContain(
          `SPILLWAY_CONFIG_FILE ${policyFile} is not valid: ratios.info: 2 out of range`,
        );
        expect(processor.policy.ratios.info).toBe(0.5);
        expect(processor.getStats().sampling.ratios.info).toBe(0.5);
      } finally {
        process.off('warning', onWarning);
      }
    });
  });
});
