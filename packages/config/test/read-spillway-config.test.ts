import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RATE_LIMITS } from '@spillway/sampling';
import { describe, expect, it } from 'vitest';
import { readSpillwayConfig } from '../src/read-spillway-config';

const MiB = 2 ** 20;
const GiB = 2 ** 30;
const RATE_LIMITS_TEXT = Object.entries(DEFAULT_RATE_LIMITS)
  .map(([c, n]) => `${c}=${n}`)
  .join(',');
const noCgroup = { cgroupRoot: join(tmpdir(), 'spillway-no-cgroup-here') };
const read = (env: Record<string, string>) => readSpillwayConfig(env, noCgroup);

describe('readSpillwayConfig', () => {
  describe('defaults', () => {
    it('should use the documented defaults when nothing is set', () => {
      const { config, problems } = read({});
      expect(problems).toEqual([]);
      expect(config).toMatchObject({
        serviceName: 'unknown_service:node',
        directory: join(tmpdir(), 'spillway', 'unknown_service_node'),
        ratios: { fatal: 1, error: 1, warn: 0.1, info: 0.001, debug: 0.001, trace: 0.001 },
        noTraceContext: 'random',
        traceSilenceAfter: 50,
        // The sampling processor's own defaults (one source; its package documents them).
        rateLimits: DEFAULT_RATE_LIMITS,
        fsync: { intervalMillis: 200 },
        maxDiskBytes: GiB,
        minFreeBytes: 64 * MiB,
        failover: 'file',
        exportThread: 'main',
        configFile: undefined,
        shutdownTimeoutMillis: 5000,
        maxQueueBytes: 64 * MiB,
        maxQueueSize: 2048,
        maxExportBatchSize: 512,
        scheduledDelayMillis: 1000,
        exportTimeoutMillis: 30000,
      });
    });

    it('should treat an empty or blank value as unset', () => {
      const { config, problems } = read({ SPILLWAY_MAX_DISK_BYTES: '', SPILLWAY_FSYNC: '  ' });
      expect(problems).toEqual([]);
      expect(config.maxDiskBytes).toBe(GiB);
    });
  });

  // [variable, value, the config key, the parsed value]
  const good: [string, string, string, unknown][] = [
    ['SPILLWAY_DIR', '/var/lib/app/spillway', 'directory', '/var/lib/app/spillway'],
    ['SPILLWAY_MAX_DISK_BYTES', '512MiB', 'maxDiskBytes', 512 * MiB],
    ['SPILLWAY_MAX_DISK_BYTES', '2GiB', 'maxDiskBytes', 2 * GiB],
    ['SPILLWAY_MAX_DISK_BYTES', '1.5GB', 'maxDiskBytes', 1.5e9],
    ['SPILLWAY_MAX_DISK_BYTES', '16777216', 'maxDiskBytes', 16 * MiB],
    ['SPILLWAY_MAX_DISK_BYTES', '100 mib', 'maxDiskBytes', 100 * MiB],
    ['SPILLWAY_MAX_DISK_BYTES', '20MB', 'maxDiskBytes', 20_000_000],
    ['SPILLWAY_MAX_DISK_BYTES', '1TiB', 'maxDiskBytes', 2 ** 40],
    ['SPILLWAY_MIN_FREE_BYTES', '0', 'minFreeBytes', 0],
    ['SPILLWAY_MAX_QUEUE_BYTES', '8MiB', 'maxQueueBytes', 8 * MiB],
    ['SPILLWAY_MAX_QUEUE_BYTES', '1MiB', 'maxQueueBytes', MiB],
    ['SPILLWAY_DIR', '/var/lib/app/../spillway/', 'directory', '/var/lib/spillway'],
    ['SPILLWAY_FSYNC', 'always', 'fsync', 'always'],
    ['SPILLWAY_FSYNC', 'never', 'fsync', 'never'],
    ['SPILLWAY_FSYNC', 'interval:50', 'fsync', { intervalMillis: 50 }],
    ['SPILLWAY_FSYNC', 'interval:1s', 'fsync', { intervalMillis: 1000 }],
    ['SPILLWAY_SAMPLING_NO_TRACE', 'keep', 'noTraceContext', 'keep'],
    ['SPILLWAY_SAMPLING_NO_TRACE', 'drop', 'noTraceContext', 'drop'],
    [
      'SPILLWAY_SAMPLING_NO_TRACE',
      'attr:session.id',
      'noTraceContext',
      { attribute: 'session.id' },
    ],
    ['SPILLWAY_TRACE_SILENCE_AFTER', '0', 'traceSilenceAfter', 0],
    ['SPILLWAY_TRACE_SILENCE_AFTER', '200', 'traceSilenceAfter', 200],
    ['SPILLWAY_RATE_LIMITS', 'warn=500', 'rateLimits', { warn: 500 }],
    [
      'SPILLWAY_RATE_LIMITS',
      'info=5000, warning=100,error=20.5',
      'rateLimits',
      { info: 5000, warn: 100, error: 20.5 },
    ],
    ['SPILLWAY_RATE_LIMITS', 'none', 'rateLimits', {}],
    ['SPILLWAY_FAILOVER', 'none', 'failover', 'none'],
    ['SPILLWAY_EXPORT_THREAD', 'worker', 'exportThread', 'worker'],
    [
      'SPILLWAY_CONFIG_FILE',
      '/etc/spillway/policy.json',
      'configFile',
      '/etc/spillway/policy.json',
    ],
    ['SPILLWAY_SHUTDOWN_TIMEOUT_MS', '2500', 'shutdownTimeoutMillis', 2500],
    ['SPILLWAY_SHUTDOWN_TIMEOUT_MS', '10s', 'shutdownTimeoutMillis', 10_000],
    ['OTEL_BLRP_MAX_QUEUE_SIZE', '10000', 'maxQueueSize', 10_000],
    ['OTEL_BLRP_MAX_EXPORT_BATCH_SIZE', '1024', 'maxExportBatchSize', 1024],
    ['OTEL_BLRP_SCHEDULE_DELAY', '200', 'scheduledDelayMillis', 200],
    ['OTEL_BLRP_SCHEDULE_DELAY', '1.5s', 'scheduledDelayMillis', 1500],
    ['OTEL_BLRP_EXPORT_TIMEOUT', '5000', 'exportTimeoutMillis', 5000],
  ];

  describe('accepted values', () => {
    it.each(good)('should read %s=%s', (variable, value, key, expected) => {
      const { config, problems, entries } = read({ [variable]: value });
      expect(problems).toEqual([]);
      expect(config[key as keyof typeof config]).toEqual(expected);
      expect(entries.find((e) => e.variable === variable)?.source).toBe('env');
    });

    it('should merge SPILLWAY_SAMPLING over the default ratios class by class', () => {
      const { config, problems } = read({ SPILLWAY_SAMPLING: 'warn=0.5, info=0.01,debug=0' });
      expect(problems).toEqual([]);
      expect(config.ratios).toEqual({
        fatal: 1,
        error: 1,
        warn: 0.5,
        info: 0.01,
        debug: 0,
        trace: 0.001,
      });
    });

    it('should accept the full documented sampling string and 1e-4 style ratios', () => {
      const { config, problems } = read({
        SPILLWAY_SAMPLING: 'fatal=1,error=1,warn=0.1,info=1e-4,debug=0.001,trace=0.001',
      });
      expect(problems).toEqual([]);
      expect(config.ratios.info).toBe(0.0001);
    });

    it('should take the service name from OTEL_SERVICE_NAME, else OTEL_RESOURCE_ATTRIBUTES', () => {
      expect(read({ OTEL_SERVICE_NAME: 'checkout' }).config.serviceName).toBe('checkout');
      const fromAttrs = read({
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod,service.name=pay%20ments',
      });
      expect(fromAttrs.config.serviceName).toBe('pay ments');
      expect(fromAttrs.config.directory).toBe(join(tmpdir(), 'spillway', 'pay_ments'));
    });
  });

  // [variable, bad value, words the accepted form must contain, the default named]
  const bad: [string, string, string, string][] = [
    ['SPILLWAY_DIR', '/proc/self/spillway', 'outside /proc', '<tmpdir>/spillway/<service.name>'],
    ['SPILLWAY_MAX_DISK_BYTES', '12 parsecs', '512MiB', '1GiB'],
    ['SPILLWAY_MAX_DISK_BYTES', '-5MiB', '512MiB', '1GiB'],
    ['SPILLWAY_MAX_DISK_BYTES', 'MiB', '512MiB', '1GiB'],
    ['SPILLWAY_MAX_DISK_BYTES', '1,5GiB', '512MiB', '1GiB'],
    ['SPILLWAY_MAX_DISK_BYTES', '1e400', '512MiB', '1GiB'],
    ['SPILLWAY_MAX_DISK_BYTES', '99999999999TiB', '512MiB', '1GiB'],
    ['SPILLWAY_DIR', 'data/spillway', 'an absolute directory path', '<tmpdir>/spillway/'],
    ['SPILLWAY_DIR', './.spillway', 'an absolute directory path', '<tmpdir>/spillway/'],
    ['SPILLWAY_MAX_DISK_BYTES', '0', 'at least 16MiB', '1GiB'],
    ['SPILLWAY_MAX_DISK_BYTES', '1KiB', 'at least 16MiB', '1GiB'],
    ['SPILLWAY_MAX_DISK_BYTES', '16777215', 'at least 16MiB', '1GiB'],
    ['SPILLWAY_MAX_QUEUE_BYTES', '0', 'at least 1MiB', '5% of the cgroup memory limit'],
    ['SPILLWAY_MAX_QUEUE_BYTES', '1B', 'at least 1MiB', '5% of the cgroup memory limit'],
    ['SPILLWAY_MAX_QUEUE_BYTES', '1000KB', 'at least 1MiB', '5% of the cgroup memory limit'],
    ['OTEL_BLRP_EXPORT_TIMEOUT', '2147483648', 'at most 2147483647 ms', '30000'],
    ['OTEL_BLRP_SCHEDULE_DELAY', '30000h', 'at most 2147483647 ms', '1000'],
    ['SPILLWAY_SHUTDOWN_TIMEOUT_MS', '1e10', '5s', '5000'],
    ['SPILLWAY_FSYNC', 'interval:1000h', 'interval:<milliseconds>', 'interval:200'],
    ['SPILLWAY_MIN_FREE_BYTES', 'lots', '512MiB', '64MiB'],
    ['SPILLWAY_MAX_QUEUE_BYTES', '64 megs', '512MiB', '5% of the cgroup memory limit'],
    ['SPILLWAY_FSYNC', 'sometimes', 'interval:<milliseconds>', 'interval:200'],
    ['SPILLWAY_FSYNC', 'interval:', 'interval:<milliseconds>', 'interval:200'],
    ['SPILLWAY_FSYNC', 'interval:0', 'interval:<milliseconds>', 'interval:200'],
    ['SPILLWAY_FSYNC', 'interval:soon', 'interval:<milliseconds>', 'interval:200'],
    ['SPILLWAY_FSYNC', 'ALWAYS', 'always, never', 'interval:200'],
    ['SPILLWAY_SAMPLING', 'info=2', 'class=ratio', 'fatal=1,error=1,warn=0.1'],
    ['SPILLWAY_SAMPLING', 'info=-0.1', 'class=ratio', 'fatal=1,error=1,warn=0.1'],
    ['SPILLWAY_SAMPLING', 'fatal=0.5', 'fatal is always 1', 'fatal=1,error=1,warn=0.1'],
    ['SPILLWAY_SAMPLING', 'verbose=0.1', 'classes fatal, error', 'fatal=1,error=1,warn=0.1'],
    ['SPILLWAY_SAMPLING', 'info', 'class=ratio', 'fatal=1,error=1,warn=0.1'],
    ['SPILLWAY_SAMPLING', 'info=0.1,info=0.2', 'class=ratio', 'fatal=1,error=1,warn=0.1'],
    ['SPILLWAY_SAMPLING', 'info=abc', 'class=ratio', 'fatal=1,error=1,warn=0.1'],
    ['SPILLWAY_SAMPLING', ',,', 'class=ratio', 'fatal=1,error=1,warn=0.1'],
    ['SPILLWAY_SAMPLING', '0.1', 'class=ratio', 'fatal=1,error=1,warn=0.1'],
    ['SPILLWAY_SAMPLING_NO_TRACE', 'sometimes', 'attr:<attribute key>', 'random'],
    ['SPILLWAY_SAMPLING_NO_TRACE', 'attr:', 'attr:<attribute key>', 'random'],
    ['SPILLWAY_TRACE_SILENCE_AFTER', '-1', 'whole number', '50'],
    ['SPILLWAY_TRACE_SILENCE_AFTER', '2.5', 'whole number', '50'],
    ['SPILLWAY_TRACE_SILENCE_AFTER', 'fifty', 'whole number', '50'],
    ['SPILLWAY_RATE_LIMITS', 'warn=0', 'records-per-second', RATE_LIMITS_TEXT],
    ['SPILLWAY_RATE_LIMITS', 'warn=-3', 'records-per-second', RATE_LIMITS_TEXT],
    ['SPILLWAY_RATE_LIMITS', 'fatal=10', 'fatal is never limited', RATE_LIMITS_TEXT],
    ['SPILLWAY_RATE_LIMITS', 'warn=lots', 'records-per-second', RATE_LIMITS_TEXT],
    ['SPILLWAY_FAILOVER', 'kafka', 'file, none', 'file'],
    ['SPILLWAY_EXPORT_THREAD', 'thread', 'main, worker', 'main'],
    ['SPILLWAY_SHUTDOWN_TIMEOUT_MS', '0', 'duration > 0', '5000'],
    ['SPILLWAY_SHUTDOWN_TIMEOUT_MS', '5 seconds', '5s', '5000'],
    ['SPILLWAY_SHUTDOWN_TIMEOUT_MS', '-100', '5s', '5000'],
    ['OTEL_BLRP_MAX_QUEUE_SIZE', '0', 'whole number ≥ 1', '2048'],
    ['OTEL_BLRP_MAX_QUEUE_SIZE', '1e3', 'whole number ≥ 1', '2048'],
    ['OTEL_BLRP_MAX_EXPORT_BATCH_SIZE', 'big', 'whole number ≥ 1', '512'],
    ['OTEL_BLRP_SCHEDULE_DELAY', 'later', '5s', '1000'],
    ['OTEL_BLRP_EXPORT_TIMEOUT', '0', 'duration > 0', '30000'],
  ];

  describe('rejected values', () => {
    it.each(bad)(
      'should warn about %s=%j and use the default',
      (variable, value, form, defaultText) => {
        const clean = read({}).config;
        const { config, problems, entries } = read({ [variable]: value });
        expect(problems).toHaveLength(1);
        const [p] = problems;
        expect(p).toMatchObject({ variable, value });
        expect(p!.expected).toContain(form);
        expect(p!.defaultText).toContain(defaultText);
        // The message names all four: variable, value, accepted form, default used.
        expect(p!.message).toContain(variable);
        expect(p!.message).toContain(JSON.stringify(value));
        expect(p!.message).toContain(p!.expected);
        expect(p!.message).toContain(`using the default ${p!.defaultText}`);
        expect(config).toEqual(clean);
        expect(entries.find((e) => e.variable === variable)?.source).toBe('default');
      },
    );

    it('should report every bad variable at once', () => {
      const { problems } = read({
        SPILLWAY_FSYNC: 'x',
        SPILLWAY_FAILOVER: 'y',
        OTEL_BLRP_SCHEDULE_DELAY: 'z',
      });
      expect(problems.map((p) => p.variable).sort()).toEqual([
        'OTEL_BLRP_SCHEDULE_DELAY',
        'SPILLWAY_FAILOVER',
        'SPILLWAY_FSYNC',
      ]);
    });
  });

  describe('cgroup memory limit', () => {
    function cgroup(files: Record<string, string>): string {
      const root = mkdtempSync(join(tmpdir(), 'cgroup-'));
      for (const [name, text] of Object.entries(files)) {
        mkdirSync(join(root, name, '..'), { recursive: true });
        writeFileSync(join(root, name), text);
      }
      return root;
    }

    it.each([
      ['v2 256MiB limit → 5%', { 'memory.max': `${256 * MiB}\n` }, 12.8 * MiB, 'cgroup'],
      ['v2 8GiB limit → capped at 64MiB', { 'memory.max': `${8 * GiB}\n` }, 64 * MiB, 'cgroup'],
      ['v2 10MiB limit → floor of 1MiB', { 'memory.max': `${10 * MiB}\n` }, MiB, 'cgroup'],
      ['v2 "max" → no limit', { 'memory.max': 'max\n' }, 64 * MiB, 'default'],
      [
        'v1 512MiB limit',
        { 'memory/memory.limit_in_bytes': `${512 * MiB}\n` },
        25.6 * MiB,
        'cgroup',
      ],
      [
        'v1 unlimited',
        { 'memory/memory.limit_in_bytes': '9223372036854771712\n' },
        64 * MiB,
        'default',
      ],
      ['no cgroup files', {}, 64 * MiB, 'default'],
    ] as const)('should size the queue budget for %s', (_name, files, bytes, source) => {
      const { config, entries } = readSpillwayConfig({}, { cgroupRoot: cgroup(files) });
      expect(config.maxQueueBytes).toBe(Math.floor(bytes));
      expect(entries.find((e) => e.variable === 'SPILLWAY_MAX_QUEUE_BYTES')?.source).toBe(source);
    });

    it('should let SPILLWAY_MAX_QUEUE_BYTES win over the cgroup limit', () => {
      const root = cgroup({ 'memory.max': `${256 * MiB}` });
      const { config } = readSpillwayConfig(
        { SPILLWAY_MAX_QUEUE_BYTES: '3MiB' },
        { cgroupRoot: root },
      );
      expect(config.maxQueueBytes).toBe(3 * MiB);
    });
  });
});
