import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { readSpillwayConfig, SPILLWAY_ENV_VARIABLES, substituteVariables } from '../src/index';

const dir = mkdtempSync(join(tmpdir(), 'spillway-hostile-env-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const noCgroup = { cgroupRoot: join(dir, 'no-cgroup-here') };

// Any text at all, long ones and control characters included, for every variable spillway reads.
const hostile = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.constantFrom('Infinity', '-1', '1e309', 'NaN', '0x10', '__proto__', 'constructor=1', '\0'),
  fc.constantFrom('/', '/proc', dir, '/dev/null', 'relative/path'),
  fc.nat().map((n) => '9'.repeat((n % 400) + 1)),
);

describe('readSpillwayConfig on a hostile environment (property)', () => {
  it('should never throw or hang: each value is taken or warned about', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...SPILLWAY_ENV_VARIABLES), hostile), (env) => {
        const started = performance.now();
        const report = readSpillwayConfig(env, noCgroup);
        // Generous for a shared machine; a hang (a catastrophic regex, a blocking read) is far longer.
        expect(performance.now() - started).toBeLessThan(2000);
        expect(report.config.directory.startsWith('/')).toBe(true);
        for (const p of report.problems) expect(p.message).toContain(p.variable);
      }),
      { numRuns: 400 },
    );
  });

  it('should never throw on any configuration file: only problems and warnings', () => {
    const path = join(dir, 'config.yaml');
    const yamlish = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 400 }),
      fc
        .array(
          fc.constantFrom(
            'logger_provider:\n',
            '  processors:\n',
            '    - spillway:\n',
            '        fsync: ',
            // biome-ignore lint/suspicious/noTemplateCurlyInString: a substitution reference, on purpose
            '${X}',
            '$$',
            '${',
            '[',
            '{ ratios: ',
            '&a ',
            '*a ',
            'sampling: ',
            'exporter: { otlp_grpc: ',
            '\n',
            ' ',
            'all',
            '0.5',
          ),
          { maxLength: 40 },
        )
        .map((parts) => parts.join('')),
    );
    fc.assert(
      fc.property(yamlish, fc.string({ maxLength: 20 }), (text, x) => {
        writeFileSync(path, text);
        const report = readSpillwayConfig({ OTEL_CONFIG_FILE: path, X: x }, noCgroup);
        expect(report.file).toBe(path);
        expect(report.config.directory.startsWith('/')).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('should substitute any text without re-substituting what it inserted', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.string({ maxLength: 40 }), (value, tail) => {
        expect(substituteVariables(`\${V}${tail.replaceAll('$', () => '$$')}`, { V: value })).toBe(
          `${value}${tail}`,
        );
      }),
    );
  });
});
