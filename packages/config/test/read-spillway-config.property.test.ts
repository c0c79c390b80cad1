import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MIN_DISK_BYTES,
  MIN_QUEUE_BYTES,
  readSpillwayConfig,
  SPILLWAY_ENV_VARIABLES,
} from '../src/index';

const noCgroup = { cgroupRoot: join(tmpdir(), 'spillway-no-cgroup-here') };
const read = (env: Record<string, string>) => readSpillwayConfig(env, noCgroup);
const MAX_TIMER = 2 ** 31 - 1;

// Values in the neighbourhood of every accepted form, plus arbitrary text.
const value = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.constantFrom(
    '0',
    '1B',
    '1KiB',
    '-5',
    'NaN',
    'Infinity',
    '1e400',
    '99999999999TiB',
    '2147483648',
    'all',
    'ALL',
    'none',
    'interval:0',
    'interval:1e9',
    'info=1,warn=2',
    'error=0.5,info=1e-3',
    'warn=0',
    'attr:',
    './rel',
    '/proc/1',
  ),
  fc
    .tuple(fc.nat({ max: 2 ** 40 }), fc.constantFrom('', 'B', 'MiB', 'GiB', 'ms', 's', 'h'))
    .map(([n, u]) => `${n}${u}`),
);
// The value variables; the file variables have their own property test (config-file.property).
const variable = fc.constantFrom(
  ...SPILLWAY_ENV_VARIABLES.filter((v) => v.startsWith('SPILLWAY_') || v.startsWith('OTEL_BLRP_')),
);

describe('readSpillwayConfig (property)', () => {
  it('should turn any environment into a usable configuration or a named problem, never a throw', () => {
    fc.assert(
      fc.property(fc.dictionary(variable, value, { maxKeys: 6 }), (env) => {
        const { config, problems, entries } = read(env);
        const finiteAtLeast = (n: number, min: number) =>
          Number.isSafeInteger(n) && n >= min ? true : `${n} < ${min}`;
        expect(finiteAtLeast(config.maxQueueBytes, MIN_QUEUE_BYTES)).toBe(true);
        expect(finiteAtLeast(config.maxDiskBytes, MIN_DISK_BYTES)).toBe(true);
        expect(finiteAtLeast(config.minFreeBytes, 0)).toBe(true);
        expect(finiteAtLeast(config.maxQueueSize, 1)).toBe(true);
        expect(finiteAtLeast(config.maxExportBatchSize, 1)).toBe(true);
        expect(finiteAtLeast(config.traceSilenceAfter, 0)).toBe(true);
        for (const ms of [
          config.shutdownTimeoutMillis,
          config.scheduledDelayMillis,
          config.exportTimeoutMillis,
        ]) {
          expect(ms > 0 && ms <= MAX_TIMER && Number.isInteger(ms)).toBe(true);
        }
        if (typeof config.fsync !== 'string') {
          expect(config.fsync.intervalMillis > 0 && config.fsync.intervalMillis <= MAX_TIMER).toBe(
            true,
          );
        }
        for (const r of Object.values(config.ratios)) expect(r >= 0 && r <= 1).toBe(true);
        expect(config.ratios.fatal).toBe(1);
        for (const l of Object.values(config.rateLimits)) {
          expect(Number.isFinite(l) && l > 0).toBe(true);
        }
        expect(config.directory.startsWith('/')).toBe(true);
        // Every value set is either taken (source env) or warned about, never silently dropped.
        for (const [name, text] of Object.entries(env)) {
          if (text.trim() === '') continue;
          const taken = entries.find((e) => e.variable === name)?.source === 'env';
          const warned = problems.some((p) => p.variable === name && p.value === text);
          expect(taken !== warned).toBe(true);
        }
        for (const p of problems) {
          expect(p.message).toBe(
            `${p.variable}=${JSON.stringify(p.value)} is not valid: expected ${p.expected}; using the default ${p.defaultText}.`,
          );
        }
      }),
      { numRuns: 1000 },
    );
  });
});
