import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SamplingPolicyFile } from '@spillway/config';
import { parseSamplingPolicyFile } from '@spillway/config';
import { afterEach, describe, expect, it } from 'vitest';
import { PolicyFileWatcher } from '../src/internal/policy-file-watcher';

describe('parseSamplingPolicyFile', () => {
  it('should read every field', () => {
    const text = JSON.stringify({
      ratios: { info: 0.01, warn: 0.5 },
      rateLimits: { error: 50 },
      traceSilenceAfter: 10,
      noTraceContext: { attribute: 'session.id' },
    });
    expect(parseSamplingPolicyFile(text)).toEqual({
      ratios: { info: 0.01, warn: 0.5 },
      rateLimits: { error: 50 },
      traceSilenceAfter: 10,
      noTraceContext: { attribute: 'session.id' },
    });
    // 0 removes the environment's limit for that class (the file is merged class by class).
    expect(parseSamplingPolicyFile('{"rateLimits":{"warn":0}}')).toEqual({
      rateLimits: { warn: 0 },
    });
    expect(parseSamplingPolicyFile('{"noTraceContext":"attr:user.id"}')).toEqual({
      noTraceContext: { attribute: 'user.id' },
    });
  });

  it.each([
    ['{', 'not JSON'],
    ['[]', 'expected a JSON object'],
    ['{"ratios":{"info":1.5}}', 'ratios.info: 1.5 out of range'],
    ['{"ratios":{"verbose":0.1}}', 'ratios.verbose: unknown class'],
    ['{"ratios":{"fatal":0.5}}', 'ratios.fatal must be 1'],
    ['{"ratios":"all"}', 'ratios must be an object'],
    ['{"rateLimits":{"warn":-1}}', 'rateLimits.warn: -1 out of range'],
    ['{"rateLimits":{"warn":1e400}}', 'rateLimits.warn: null out of range'],
    ['{"rateLimits":{"fatal":5}}', 'FATAL is never rate-limited'],
    ['{"traceSilenceAfter":-1}', 'traceSilenceAfter must be a whole number'],
    ['{"noTraceContext":"maybe"}', 'noTraceContext must be'],
    ['{"noTraceContext":{"attribute":""}}', 'noTraceContext must be'],
    ['{"ratio":{"info":0.1}}', 'unknown key "ratio"'],
  ])('should reject %s naming the problem', (text, error) => {
    const result = parseSamplingPolicyFile(text);
    expect(result).toHaveProperty('error');
    expect((result as { error: string }).error).toContain(error);
  });
});

describe('PolicyFileWatcher', () => {
  const watchers: PolicyFileWatcher[] = [];
  afterEach(() => {
    for (const w of watchers.splice(0)) w.close();
  });

  function setup(initial?: string) {
    const dir = mkdtempSync(join(tmpdir(), 'spillway-policy-'));
    const path = join(dir, 'policy.json');
    if (initial !== undefined) writeFileSync(path, initial);
    const applied: SamplingPolicyFile[] = [];
    const warnings: string[] = [];
    let wake: (() => void) | undefined;
    const next = () => new Promise<void>((resolve) => (wake = resolve));
    const watcher = new PolicyFileWatcher(
      path,
      20,
      (p) => {
        applied.push(p);
        wake?.();
      },
      (m) => {
        warnings.push(m);
        wake?.();
      },
    );
    watchers.push(watcher);
    return { dir, path, watcher, applied, warnings, next };
  }

  describe('loadNow', () => {
    it('should return the policy in the file', () => {
      const { watcher } = setup('{"ratios":{"info":0.5}}');
      expect(watcher.loadNow()).toEqual({ ratios: { info: 0.5 } });
    });

    it('should warn and return undefined for a missing or bad file', () => {
      const missing = setup();
      expect(missing.watcher.loadNow()).toBeUndefined();
      expect(missing.warnings[0]).toMatch(/cannot be read/);
      const bad = setup('{"ratios":');
      expect(bad.watcher.loadNow()).toBeUndefined();
      expect(bad.warnings[0]).toMatch(/is not valid: not JSON.*keeping the last good policy/);
    });
  });

  describe('start', () => {
    it('should apply a rewritten file after the debounce', async () => {
      const { path, watcher, applied, next } = setup('{"ratios":{"info":0.5}}');
      watcher.loadNow();
      watcher.start();
      const changed = next();
      writeFileSync(path, '{"ratios":{"info":0.25}}');
      await changed;
      expect(applied).toEqual([{ ratios: { info: 0.25 } }]);
    });

    it('should follow an editor-style save (write a temp file, rename it over the original)', async () => {
      const { dir, path, watcher, applied, next } = setup('{"traceSilenceAfter":5}');
      watcher.loadNow();
      watcher.start();
      const changed = next();
      writeFileSync(join(dir, '.policy.json.swp'), '{"traceSilenceAfter":7}');
      renameSync(join(dir, '.policy.json.swp'), path);
      await changed;
      expect(applied).toEqual([{ traceSilenceAfter: 7 }]);
    });

    it('should keep the last good policy and warn on a bad file, then apply the next good one', async () => {
      const { path, watcher, applied, warnings, next } = setup('{"ratios":{"info":0.5}}');
      watcher.loadNow();
      watcher.start();
      let event = next();
      writeFileSync(path, '{"ratios":{"info":7}}');
      await event;
      expect(applied).toEqual([]);
      expect(warnings[0]).toContain('ratios.info: 7 out of range; keeping the last good policy');
      event = next();
      writeFileSync(path, '{"ratios":{"info":0.1}}');
      await event;
      expect(applied).toEqual([{ ratios: { info: 0.1 } }]);
    });
  });
});
