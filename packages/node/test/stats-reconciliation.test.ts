import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { readLogRecords } from '@spillway/file-exporter';
import type { SeverityCounts } from '@spillway/self-metrics';
import { OtlpGrpcLogsReceiver, SyntheticRecordGenerator, toLogRecord } from '@spillway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogRecordProcessorFromEnv } from '../src/create-log-record-processor-from-env';

let receiver: OtlpGrpcLogsReceiver;

beforeAll(async () => {
  receiver = await new OtlpGrpcLogsReceiver().start();
});
afterAll(() => receiver.stop());

class CollectingMetricReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

const sum = (drops: Record<string, SeverityCounts>, reasons = Object.keys(drops)) =>
  reasons.reduce((n, r) => n + drops[r]!.total, 0);

describe('SpillwayLogRecordProcessor', () => {
  describe('getStats', () => {
    it('should reconcile every stage: offered = kept + drops, kept = WAL accepted, delivered = sent + files', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'spillway-reconcile-'));
      const processor = createLogRecordProcessorFromEnv({
        OTEL_SERVICE_NAME: 'reconcile-test',
        SPILLWAY_DIR: dir,
        OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: receiver.url,
        OTEL_BLRP_SCHEDULE_DELAY: '20',
        OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '100',
        // Some classes sampled out, so that the sampling stage has drops to account for.
        SPILLWAY_SAMPLING: 'fatal=1,error=1,warn=1,info=0.5,debug=0,trace=0',
      });
      const provider = new LoggerProvider({
        resource: resourceFromAttributes({ 'service.name': 'reconcile-test' }),
        processors: [processor],
      });
      const logger = provider.getLogger('reconcile');
      // The collector refuses the first batches: the circuit opens and they go to the files.
      receiver.failNext(4, status.UNAVAILABLE);
      const N = 3000;
      for (const r of new SyntheticRecordGenerator({ seed: 13 }).take(N)) {
        logger.emit(toLogRecord(r));
      }
      await processor.forceFlush();
      await provider.shutdown();
      const { sampling: s, diskBuffer: wal, failover, files } = processor.getStats();

      // Sampling: offered = kept + policy drops; kept = exported + delivery drops + still queued.
      expect(s.offered.total).toBe(N);
      expect(s.offered.total + s.summaries).toBe(
        s.kept.total +
          sum(s.dropped, ['sampled', 'rate_limited', 'silenced', 'backfill_evicted']) +
          (s.backfill?.held.total ?? 0),
      );
      expect(s.dropped.sampled.total).toBeGreaterThan(0);
      expect(s.kept.total).toBe(
        s.exported.total +
          sum(s.dropped, ['queue_full', 'export_failed']) +
          s.queue.size +
          s.queue.inFlight,
      );
      expect(s.queue.size + s.queue.inFlight).toBe(0);

      // Disk buffer: what sampling exported is what the WAL accepted; accepted = delivered +
      // pending + drops.
      expect(wal).toBeDefined();
      expect(wal!.recordsAccepted).toBe(s.exported.total);
      expect(wal!.recordsAccepted).toBe(
        wal!.recordsDelivered + wal!.recordsPending + sum(wal!.dropped),
      );
      expect(wal!.recordsPending).toBe(0);

      // Failover: delivered = records its export() took = sent to OTLP + sent to the files,
      // less what replay sent from the files to OTLP.
      const [otlp, toFiles] = failover!.targets;
      expect(failover!.records.exported).toBe(wal!.recordsDelivered);
      expect(failover!.records.exported).toBe(
        otlp!.recordsSent + toFiles!.recordsSent - failover!.replay.recordsReplayed,
      );
      expect(toFiles!.recordsSent).toBeGreaterThan(0);
      expect(sum(failover!.replay.dropped)).toBe(0);

      // Files: sent to the files = written + pending + drops; written = what a reader finds.
      expect(toFiles!.recordsSent).toBe(
        files!.recordsWritten + files!.recordsPending + sum(files!.dropped),
      );
      let inFiles = 0;
      for await (const _ of readLogRecords(join(dir, 'files'))) inFiles++;
      expect(inFiles).toBe(files!.recordsWritten);

      // The collector: what the OTLP target reports sent, distinct, and nothing lost overall.
      const ids = new Set(receiver.records.map((r) => r.attributes['test.id']));
      expect(ids.size).toBe(receiver.records.length);
      expect(receiver.records.length).toBe(otlp!.recordsSent);
      expect(receiver.records.length + inFiles - failover!.replay.recordsReplayed).toBe(
        s.kept.total,
      );
    });

    it('should publish the same counts as metrics, one component per stage', async () => {
      const reader = new CollectingMetricReader();
      const meterProvider = new MeterProvider({ readers: [reader] });
      const processor = createLogRecordProcessorFromEnv(
        {
          OTEL_SERVICE_NAME: 'reconcile-metrics',
          SPILLWAY_DIR: mkdtempSync(join(tmpdir(), 'spillway-reconcile-')),
          OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: receiver.url,
          OTEL_BLRP_SCHEDULE_DELAY: '20',
          SPILLWAY_SAMPLING: 'fatal=1,error=1,warn=1,info=1,debug=0,trace=0',
        },
        { meterProvider },
      );
      const provider = new LoggerProvider({
        resource: resourceFromAttributes({ 'service.name': 'reconcile-metrics' }),
        processors: [processor],
      });
      const logger = provider.getLogger('reconcile');
      for (const r of new SyntheticRecordGenerator({ seed: 17 }).take(1000)) {
        logger.emit(toLogRecord(r));
      }
      await processor.forceFlush();
      const { resourceMetrics } = await reader.collect();
      const s = processor.getStats();
      const points = resourceMetrics.scopeMetrics.flatMap((sm) =>
        sm.metrics.flatMap((m) =>
          m.dataPoints.map((d) => ({
            name: m.descriptor.name,
            type: d.attributes['otel.component.type'],
            error: d.attributes['error.type'],
            value: d.value as number,
          })),
        ),
      );
      const total = (name: string, type: string, error: (e: unknown) => boolean = () => true) =>
        points
          .filter((p) => p.name === name && p.type === type && error(p.error))
          .reduce((n, p) => n + p.value, 0);
      const none = (e: unknown) => e === undefined;
      expect(new Set(points.map((p) => p.type))).toEqual(
        new Set([
          'spillway.redaction_processor',
          'spillway.sampling_processor',
          'spillway.disk_buffer',
          'spillway.failover_exporter',
          'spillway.zstd_file_exporter',
        ]),
      );
      // Sampling: passed on = the WAL's exported (made durable) = the stats of both.
      const passed = total('otel.sdk.processor.log.processed', 'spillway.sampling_processor', none);
      expect(passed).toBe(s.sampling.exported.total);
      expect(total('otel.sdk.exporter.log.exported', 'spillway.disk_buffer')).toBe(passed);
      expect(total('spillway.log_record.dropped', 'spillway.sampling_processor')).toBe(
        sum(s.sampling.dropped),
      );
      // WAL delivered = the failover's exported (no error) = sent to the collector.
      const delivered = total('spillway.wal.delivered', 'spillway.disk_buffer');
      expect(delivered).toBe(s.diskBuffer!.recordsDelivered);
      expect(total('otel.sdk.exporter.log.exported', 'spillway.failover_exporter', none)).toBe(
        delivered,
      );
      expect(delivered).toBe(passed);
      await provider.shutdown();
      await meterProvider.shutdown();
    });
  });
});
