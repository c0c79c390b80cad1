import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { DEFAULT_RATE_LIMITS, readSpillwayConfig } from '@spillway/config';
import { OtlpGrpcLogsReceiver } from '@spillway/testing';
import { afterAll, afterEach, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { createLogRecordProcessorFromEnv } from '../src/create-log-record-processor-from-env';
import type { SpillwayLogRecordProcessor } from '../src/spillway-log-record-processor';
import type { SamplingPolicyUpdate } from '../src/types';

const noCgroup = { cgroupRoot: join(tmpdir(), 'spillway-no-cgroup-here') };
const DEFAULT_RATIOS = { fatal: 1, error: 1, warn: 0.1, info: 0.001, debug: 0.001, trace: 0.001 };
let receiver: OtlpGrpcLogsReceiver;
const open: LoggerProvider[] = [];

beforeAll(async () => {
  receiver = await new OtlpGrpcLogsReceiver().start();
});
afterAll(() => receiver.stop());
afterEach(async () => {
  for (const p of open.splice(0)) await p.shutdown();
  receiver.clear();
});

function setup(env: Record<string, string>) {
  const processor = createLogRecordProcessorFromEnv(
    {
      OTEL_SERVICE_NAME: 'node-policy-test',
      SPILLWAY_DIR: mkdtempSync(join(tmpdir(), 'spillway-node-')),
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: receiver.url,
      OTEL_BLRP_SCHEDULE_DELAY: '50',
      ...env,
    },
    { configFileDebounceMillis: 20 },
  );
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'node-policy-test' }),
    processors: [processor],
  });
  open.push(provider);
  return { processor, logger: provider.getLogger('test') };
}

function changed(processor: SpillwayLogRecordProcessor): Promise<void> {
  return new Promise((resolve) => {
    const off = processor.onPolicyChange(() => {
      off();
      resolve();
    });
  });
}

describe('SpillwayLogRecordProcessor', () => {
  describe('updatePolicy', () => {
    it('should type a partial update as partial (the README example compiles)', () => {
      // Type-level: `tsc -p packages/node/tsconfig.json` compiles this file.
      expectTypeOf<{ ratios: { info: 0.01 } }>().toMatchTypeOf<SamplingPolicyUpdate>();
      expectTypeOf<{ rateLimits: { warn: 500 } }>().toMatchTypeOf<SamplingPolicyUpdate>();
      expectTypeOf<{ ratios: { verbose: 1 } }>().not.toMatchTypeOf<SamplingPolicyUpdate>();
      expectTypeOf<SpillwayLogRecordProcessor['updatePolicy']>()
        .parameter(0)
        .toEqualTypeOf<SamplingPolicyUpdate>();
      expectTypeOf<SpillwayLogRecordProcessor['policy']['ratios']>().toEqualTypeOf<
        typeof DEFAULT_RATIOS
      >();
    });

    it('should read back a partial update merged over the policy in force, and decide by it', () => {
      const { processor, logger } = setup({});
      processor.updatePolicy({ ratios: { info: 0.01 } });
      processor.updatePolicy({ rateLimits: { warn: 0, debug: 50 }, traceSilenceAfter: 0 });
      const expected = {
        ratios: { ...DEFAULT_RATIOS, info: 0.01 },
        rateLimits: { error: DEFAULT_RATE_LIMITS.error, debug: 50 },
        traceSilenceAfter: 0,
        noTraceContext: 'random',
      };
      expect(processor.policy).toEqual(expected);
      expect(processor.sampling.getPolicy()).toEqual(expected);
      processor.updatePolicy({ ratios: { info: 1, warn: 1 } });
      for (let i = 0; i < 300; i++) logger.emit({ severityNumber: 9, body: `i${i}` });
      for (let i = 0; i < 300; i++) logger.emit({ severityNumber: 13, body: `w${i}` });
      for (let i = 0; i < 300; i++) logger.emit({ severityNumber: 5, body: `d${i}` });
      const stats = processor.getStats().sampling;
      expect(stats.kept.info).toBe(300);
      expect(stats.kept.warn).toBe(300); // the WARN limit was removed, not only the ratio raised
      expect(stats.kept.debug + stats.dropped.sampled.debug).toBe(300);
      expect(stats.dropped.sampled.debug).toBeGreaterThan(250); // DEBUG kept its 0.001
    });
  });

  describe('SPILLWAY_CONFIG_FILE', () => {
    it('should merge a reloaded file over the environment as updatePolicy merges', async () => {
      const policyFile = join(mkdtempSync(join(tmpdir(), 'spillway-policy-')), 'policy.json');
      writeFileSync(policyFile, JSON.stringify({ ratios: { info: 0.01 } }));
      const { processor } = setup({
        SPILLWAY_CONFIG_FILE: policyFile,
        SPILLWAY_RATE_LIMITS: 'warn=1000,error=200',
      });
      expect(processor.policy.ratios).toEqual({ ...DEFAULT_RATIOS, info: 0.01 });
      let reloaded = changed(processor);
      writeFileSync(policyFile, JSON.stringify({ rateLimits: { warn: 500, error: 0 } }));
      await reloaded;
      // The file's ratio is gone (back to the environment's); its limits merged class by class.
      expect(processor.policy).toMatchObject({
        ratios: DEFAULT_RATIOS,
        rateLimits: { warn: 500 },
      });
      expect(processor.policy.rateLimits).toEqual({ warn: 500 });
      expect(processor.sampling.getPolicy().rateLimits).toEqual({ warn: 500 });
      reloaded = changed(processor);
      writeFileSync(policyFile, JSON.stringify({ rateLimits: { info: 10 } }));
      await reloaded;
      expect(processor.policy.rateLimits).toEqual({ warn: 1000, error: 200, info: 10 });
    });
  });

  describe('SPILLWAY_SAMPLING=all', () => {
    it('should keep all 20,000 records of one trace: none silenced, rate-limited or sampled', async () => {
      const { processor, logger } = setup({ SPILLWAY_SAMPLING: 'all' });
      const context = trace.setSpanContext(ROOT_CONTEXT, {
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
        spanId: '00f067aa0ba902b7',
        traceFlags: TraceFlags.SAMPLED,
      });
      const severities = [1, 5, 9, 9, 9, 9, 13, 17];
      const total = 20_000;
      // In steps the queue (2048) holds, as an app's request handlers would emit them.
      for (let i = 0; i < total; i += 1000) {
        for (let j = i; j < i + 1000; j++) {
          logger.emit({
            severityNumber: severities[j % severities.length]!,
            body: `request ${j} handled`,
            attributes: { 'test.id': j },
            context,
          });
        }
        await processor.forceFlush();
      }
      await receiver.waitForRecords(total, 60_000);
      const stats = processor.getStats().sampling;
      expect(stats.dropped.silenced.total).toBe(0);
      expect(stats.dropped.rate_limited.total).toBe(0);
      expect(stats.dropped.sampled.total).toBe(0);
      expect(stats.dropped.queue_full.total).toBe(0);
      expect(stats.summaries).toBe(0);
      expect(stats.kept.total).toBe(total);
      expect(new Set(receiver.records.map((r) => r.attributes['test.id'])).size).toBe(total);
    });

    it('should set ratios 1, silencing off and no rate limits, unless those are set too', () => {
      const all = readSpillwayConfig({ SPILLWAY_SAMPLING: ' ALL ' }, noCgroup);
      expect(all.problems).toEqual([]);
      expect(all.config).toMatchObject({
        ratios: { fatal: 1, error: 1, warn: 1, info: 1, debug: 1, trace: 1 },
        traceSilenceAfter: 0,
        rateLimits: {},
      });
      const sources = Object.fromEntries(all.entries.map((e) => [e.variable, e.source]));
      expect(sources).toMatchObject({
        SPILLWAY_SAMPLING: 'env',
        SPILLWAY_TRACE_SILENCE_AFTER: 'SPILLWAY_SAMPLING=all',
        SPILLWAY_RATE_LIMITS: 'SPILLWAY_SAMPLING=all',
      });

      const explicit = readSpillwayConfig(
        {
          SPILLWAY_SAMPLING: 'all',
          SPILLWAY_TRACE_SILENCE_AFTER: '20',
          SPILLWAY_RATE_LIMITS: 'error=200',
        },
        noCgroup,
      );
      expect(explicit.config).toMatchObject({ traceSilenceAfter: 20, rateLimits: { error: 200 } });
      expect(explicit.config.ratios.info).toBe(1);

      const bad = readSpillwayConfig(
        { SPILLWAY_SAMPLING: 'all', SPILLWAY_RATE_LIMITS: 'warn=lots' },
        noCgroup,
      );
      expect(bad.config.rateLimits).toEqual({});
      expect(bad.problems[0]?.message).toMatch(
        /^SPILLWAY_RATE_LIMITS="warn=lots" is not valid: .*; using the default none \(SPILLWAY_SAMPLING=all\)\.$/,
      );
    });
  });
});
