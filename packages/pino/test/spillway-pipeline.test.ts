import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context } from '@opentelemetry/api';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { createLogRecordProcessorFromEnv } from '@spillway/node';
import { OtlpGrpcLogsReceiver } from '@spillway/testing';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpillwayPinoBridge } from '../src/index';
import { CapturingStream, inSpan, SPAN, StackContextManager } from './helpers';

let receiver: OtlpGrpcLogsReceiver;
let dir: string;
beforeAll(async () => {
  context.setGlobalContextManager(new StackContextManager());
  receiver = await new OtlpGrpcLogsReceiver().start();
  dir = mkdtempSync(join(tmpdir(), 'spillway-pino-pipeline-'));
});
afterAll(async () => {
  context.disable();
  await receiver.stop();
  rmSync(dir, { recursive: true, force: true });
});

function pipeline(sampling: string) {
  const processor = createLogRecordProcessorFromEnv({
    OTEL_SERVICE_NAME: 'pino-pipeline-test',
    OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: receiver.url,
    SPILLWAY_DIR: join(dir, sampling.replace(/[^a-z]/g, '')),
    SPILLWAY_SAMPLING: sampling,
  });
  const provider = new LoggerProvider({ processors: [processor] });
  const bridge = new SpillwayPinoBridge({ logger: provider.getLogger('@spillway/pino') });
  const logger = bridge.attach(pino({ level: 'debug' }, new CapturingStream()));
  return { processor, provider, bridge, logger };
}

describe('SpillwayPinoBridge', () => {
  describe('with the @spillway/node pipeline', () => {
    it('should deliver kept records to OTLP with severity, body, attributes and trace context', async () => {
      const { provider, logger } = pipeline('all');
      const before = receiver.records.length;
      inSpan(SPAN, () =>
        logger.child({ component: 'pay' }).warn({ ms: 1840 }, 'slow %s', 'checkout'),
      );
      logger.error(new Error('payment provider returned 502'));
      await provider.shutdown();
      const got = receiver.records.slice(before);
      expect(got.map((r) => [r.severityNumber, r.severityText, r.body])).toEqual([
        [13, 'warn', 'slow checkout'],
        [17, 'error', 'payment provider returned 502'],
      ]);
      expect(got[0]!.attributes).toEqual({ component: 'pay', ms: 1840 });
      expect(got[0]!.traceId).toBe(SPAN.traceId);
      expect(got[0]!.spanId).toBe(SPAN.spanId);
      expect(got[1]!.attributes['exception.type']).toBe('Error');
      expect(got[1]!.traceId).toBe('');
    });

    it("should let the pipeline's sampling refuse records before they are built", async () => {
      const { provider, bridge, processor, logger } = pipeline('error=1,warn=0,info=0,debug=0');
      const before = receiver.records.length;
      for (let i = 0; i < 1000; i++) logger.info({ i }, 'request served');
      logger.error('kept');
      await provider.shutdown();
      expect(bridge.getStats()).toEqual({ asked: 1001, refused: 1000, emitted: 1, failed: 0 });
      expect(processor.getStats().sampling.dropped.sampled.info).toBe(1000);
      expect(receiver.records.slice(before).map((r) => r.body)).toEqual(['kept']);
    });
  });
});
