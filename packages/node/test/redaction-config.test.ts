import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { readSpillwayConfig } from '@spillway/config';
import { DEFAULT_RULES } from '@spillway/redaction';
import { describe, expect, it } from 'vitest';
import { createLogRecordProcessorFromEnv } from '../src/create-log-record-processor-from-env';

const noCgroup = { cgroupRoot: join(tmpdir(), 'spillway-no-cgroup-here') };
const read = (env: Record<string, string>) => readSpillwayConfig(env, noCgroup);

describe('readSpillwayConfig: SPILLWAY_REDACT and SPILLWAY_MAX_VALUE_CHARS', () => {
  it('should default to the built-in rules and 65536 characters', () => {
    const { config, problems, entries } = read({});
    expect(problems).toEqual([]);
    expect(config.redaction).toEqual({
      rules: DEFAULT_RULES,
      emailHash: false,
      keys: [],
      keepKeys: [],
      dropKeys: [],
      patterns: [],
    });
    expect(config.maxValueChars).toBe(65536);
    expect(entries.find((e) => e.variable === 'SPILLWAY_REDACT')).toEqual({
      variable: 'SPILLWAY_REDACT',
      value: 'default',
      source: 'default',
    });
  });

  it('should read the rules and print them back in the same form', () => {
    const { config, problems, entries } = read({
      SPILLWAY_REDACT: 'none,jwt,email,key:*ssn*,drop:http.request.body',
      SPILLWAY_MAX_VALUE_CHARS: '0',
    });
    expect(problems).toEqual([]);
    expect(config.redaction.rules).toEqual(['jwt', 'email']);
    expect(config.redaction.keys).toEqual(['*ssn*']);
    expect(config.redaction.dropKeys).toEqual(['http.request.body']);
    expect(config.maxValueChars).toBe(0);
    expect(entries.find((e) => e.variable === 'SPILLWAY_REDACT')?.value).toBe(
      'none,jwt,email,key:*ssn*,drop:http.request.body',
    );
  });

  it('should warn about each invalid part, ignore it and keep the others', () => {
    const { config, problems } = read({ SPILLWAY_REDACT: 'default,key:*ssn*,cards,value:(' });
    expect(config.redaction.keys).toEqual(['*ssn*']);
    expect(config.redaction.rules).toEqual(DEFAULT_RULES);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.variable).toBe('SPILLWAY_REDACT');
    expect(problems[0]!.message).toMatch(
      /^SPILLWAY_REDACT="default,key:\*ssn\*,cards,value:\(" is not valid: expected comma-separated parts: .* \(not "cards", "value:\("\); using the default rules, with the valid parts applied \(an invalid part is ignored\)\.$/,
    );
  });

  it('should refuse a negative or non-numeric SPILLWAY_MAX_VALUE_CHARS', () => {
    for (const value of ['-1', 'lots', '1.5']) {
      const { config, problems } = read({ SPILLWAY_MAX_VALUE_CHARS: value });
      expect(config.maxValueChars).toBe(65536);
      expect(problems[0]?.message).toBe(
        `SPILLWAY_MAX_VALUE_CHARS=${JSON.stringify(value)} is not valid: expected a whole number of characters ≥ 0 (0 = no limit); using the default 65536.`,
      );
    }
  });
});

describe('createLogRecordProcessorFromEnv: redaction stage', () => {
  it('should redact before sampling and report the stage in getStats', async () => {
    const processor = createLogRecordProcessorFromEnv({
      OTEL_SERVICE_NAME: 'redaction-config',
      SPILLWAY_DIR: mkdtempSync(join(tmpdir(), 'spillway-node-redact-')),
      SPILLWAY_FAILOVER: 'none',
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://127.0.0.1:1',
      SPILLWAY_REDACT: 'default,key:*ssn*',
      SPILLWAY_MAX_VALUE_CHARS: '8',
      SPILLWAY_SHUTDOWN_TIMEOUT_MS: '300',
    });
    const provider = new LoggerProvider({ processors: [processor] });
    try {
      const logger = provider.getLogger('t');
      // A record the sampler keeps (FATAL) is written through to the WAL in onEmit: redaction
      // must already have happened by then.
      logger.emit({
        severityNumber: 21,
        body: 'abcdefghijkl',
        attributes: { 'user.ssn': '078-05-1120', password: 'p' },
      });
      expect(processor.getStats().diskBuffer?.recordsAccepted).toBe(1);
      expect(processor.getStats().redaction.applied).toMatchObject({
        'secret-keys': 1,
        keys: 1,
        truncate: 1,
      });
    } finally {
      await provider.shutdown();
    }
  });

  it('should merge redactionRules from code over SPILLWAY_REDACT', async () => {
    const processor = createLogRecordProcessorFromEnv(
      {
        OTEL_SERVICE_NAME: 'redaction-config',
        SPILLWAY_DIR: mkdtempSync(join(tmpdir(), 'spillway-node-redact-')),
        SPILLWAY_FAILOVER: 'none',
        OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://127.0.0.1:1',
        SPILLWAY_REDACT: 'key:*ssn*',
        SPILLWAY_SHUTDOWN_TIMEOUT_MS: '300',
      },
      {
        redactionRules: {
          patterns: [{ name: 'order', pattern: /ORD-\d+/ }],
          custom: [{ name: 'shout', redact: (v) => v.replace('SECRET', '[hidden]') }],
        },
      },
    );
    const provider = new LoggerProvider({ processors: [processor] });
    try {
      provider.getLogger('t').emit({
        severityNumber: 21,
        body: 'ORD-12 SECRET',
        attributes: { 'user.ssn': '078-05-1120', password: 'p' },
      });
      expect(processor.getStats().redaction.applied).toMatchObject({
        'secret-keys': 1,
        keys: 1,
        order: 1,
        shout: 1,
      });
    } finally {
      await provider.shutdown();
    }
  });

  it('should keep sampling refusals free: logger.enabled() is the sampler’s answer', async () => {
    const processor = createLogRecordProcessorFromEnv({
      OTEL_SERVICE_NAME: 'redaction-config',
      SPILLWAY_DIR: mkdtempSync(join(tmpdir(), 'spillway-node-redact-')),
      SPILLWAY_FAILOVER: 'none',
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://127.0.0.1:1',
      SPILLWAY_SAMPLING: 'warn=0,info=0,debug=0,trace=0',
    });
    const provider = new LoggerProvider({ processors: [processor] });
    try {
      const logger = provider.getLogger('t');
      expect(logger.enabled({ severityNumber: 9 })).toBe(false);
      logger.emit({ severityNumber: 9, body: 'Bearer abcdefghijklmnopqrstuvwxyz' });
      expect(processor.getStats().redaction.records).toBe(0);
    } finally {
      await provider.shutdown();
    }
  });
});
