import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, TraceFlags, trace } from '@opentelemetry/api';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { describe, expect, it } from 'vitest';
import { createLogRecordProcessorFromEnv } from '../src/create-log-record-processor-from-env';

function pipeline(env: Record<string, string>) {
  const processor = createLogRecordProcessorFromEnv({
    OTEL_SERVICE_NAME: 'retention-config',
    SPILLWAY_DIR: mkdtempSync(join(tmpdir(), 'spillway-node-retention-')),
    SPILLWAY_FAILOVER: 'none',
    OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://127.0.0.1:1',
    SPILLWAY_SHUTDOWN_TIMEOUT_MS: '300',
    ...env,
  });
  const provider = new LoggerProvider({ processors: [processor] });
  return { processor, provider, logger: provider.getLogger('t') };
}

// A trace whose randomness is 0: INFO at the default ratio (0.001) is sampled out.
const cold = trace.setSpanContext(context.active(), {
  traceId: '4bf92f3577b34da6a3ce000000000000',
  spanId: '00f067aa0ba902b7',
  traceFlags: TraceFlags.SAMPLED,
});

describe('createLogRecordProcessorFromEnv: SPILLWAY_BACKFILL and SPILLWAY_TEMPLATE_KEY', () => {
  it('should hold a sampled-out traced record for backfill when SPILLWAY_BACKFILL is set', async () => {
    const { processor, provider, logger } = pipeline({ SPILLWAY_BACKFILL: '10s' });
    try {
      logger.emit({ severityNumber: 9, body: 'step 1', context: cold });
      expect(processor.getStats().sampling.backfill?.held.info).toBe(1);
      logger.emit({ severityNumber: 17, body: 'failed', context: cold });
      expect(processor.getStats().sampling.backfill?.kept.info).toBe(1);
    } finally {
      await provider.shutdown();
    }
  });

  it('should not hold anything by default', async () => {
    const { processor, provider, logger } = pipeline({});
    try {
      logger.emit({ severityNumber: 9, body: 'step 1', context: cold });
      const s = processor.getStats().sampling;
      expect(s.backfill).toBeUndefined();
      expect(s.dropped.sampled.info).toBe(1);
    } finally {
      await provider.shutdown();
    }
  });

  it('should key flood control by the attribute SPILLWAY_TEMPLATE_KEY names', async () => {
    // One body, two values of `kind`: one template by body, two by the attribute.
    const templatesSeen = async (env: Record<string, string>) => {
      const { processor, provider, logger } = pipeline({
        SPILLWAY_RATE_LIMITS: 'error=20',
        ...env,
      });
      try {
        for (let i = 0; i < 200; i++)
          logger.emit({
            severityNumber: 17,
            body: 'same body',
            attributes: { kind: i % 2 ? 'a' : 'b' },
          });
        return processor.getStats().sampling.templates.size;
      } finally {
        await provider.shutdown();
      }
    };
    expect(await templatesSeen({})).toBe(1);
    expect(await templatesSeen({ SPILLWAY_TEMPLATE_KEY: 'attr:kind' })).toBe(2);
  });
});
