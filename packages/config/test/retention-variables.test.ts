import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSpillwayConfig } from '../src/read-spillway-config';

const noCgroup = { cgroupRoot: join(tmpdir(), 'spillway-no-cgroup-here') };
const read = (env: Record<string, string>) => readSpillwayConfig(env, noCgroup);

describe('readSpillwayConfig', () => {
  describe('SPILLWAY_TEMPLATE_KEY', () => {
    it.each([
      ['body', 'body'],
      [' body ', 'body'],
      ['attr:log.template', { attribute: 'log.template' }],
    ])('should read %j', (text, expected) => {
      const { config, problems } = read({ SPILLWAY_TEMPLATE_KEY: text });
      expect(problems).toEqual([]);
      expect(config.templateKey).toEqual(expected);
    });

    it.each(['attr:', 'attr:a b', 'regex:.*', 'BODY'])(
      'should warn about %j, naming the accepted forms, and keep body',
      (text) => {
        const { config, problems } = read({ SPILLWAY_TEMPLATE_KEY: text });
        expect(config.templateKey).toBe('body');
        expect(problems.map((p) => p.message).join('\n')).toMatch(
          /SPILLWAY_TEMPLATE_KEY.*attr:<attribute key>/,
        );
      },
    );
  });

  describe('SPILLWAY_BACKFILL', () => {
    it.each([
      ['10s', 10_000],
      ['500ms', 500],
      ['1m', 60_000],
      ['off', 0],
      ['0', 0],
    ])('should read %j as %d ms', (text, ms) => {
      const { config, problems } = read({ SPILLWAY_BACKFILL: text });
      expect(problems).toEqual([]);
      expect(config.backfillMillis).toBe(ms);
    });

    it('should be off by default', () => {
      expect(read({}).config.backfillMillis).toBe(0);
    });

    it.each(['-1s', 'soon', '10 years', '1e3'])('should warn about %j and stay off', (text) => {
      const { config, problems } = read({ SPILLWAY_BACKFILL: text });
      expect(config.backfillMillis).toBe(0);
      expect(problems.map((p) => p.message).join('\n')).toMatch(/SPILLWAY_BACKFILL/);
    });
  });

  describe('in OTEL_CONFIG_FILE', () => {
    it('should read sampling.template_key and sampling.backfill from the spillway processor', () => {
      const dir = mkdtempSync(join(tmpdir(), 'spillway-config-'));
      const file = join(dir, 'otel.yaml');
      writeFileSync(
        file,
        [
          'file_format: "1.0"',
          'logger_provider:',
          '  processors:',
          '    - spillway:',
          '        sampling:',
          '          template_key: attr:event.kind',
          // The spec's substitution syntax, written literally into the YAML file.
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a ${VAR:-default} reference on purpose
          '          backfill: ${BACKFILL:-10s}',
          '',
        ].join('\n'),
      );
      const { config, problems } = read({ OTEL_CONFIG_FILE: file });
      expect(problems).toEqual([]);
      expect(config.templateKey).toEqual({ attribute: 'event.kind' });
      expect(config.backfillMillis).toBe(10_000);
    });
  });
});
