import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OtlpGrpcLogsReceiver } from '@spillway/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildPackages, childEnv, ROOT, start } from './helpers';

const ALL = 'fatal=1,error=1,warn=1,info=1,debug=1,trace=1';
const app = (ext: 'mjs' | 'cjs') => join(import.meta.dirname, 'fixtures', `emit-app.${ext}`);
let receiver: OtlpGrpcLogsReceiver;

beforeAll(async () => {
  buildPackages();
  receiver = await new OtlpGrpcLogsReceiver().start();
});
afterAll(() => receiver.stop());
beforeEach(() => receiver.clear());

function env(extra: Record<string, string>) {
  return childEnv({
    OTEL_SERVICE_NAME: 'register-test',
    SPILLWAY_DIR: mkdtempSync(join(tmpdir(), 'spillway-register-')),
    SPILLWAY_SAMPLING: ALL,
    OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: receiver.url,
    ...extra,
  });
}

describe('@spillway/node/register', () => {
  /** `node <flag> @spillway/node/register emit-app.<ext> <count> <then>`. */
  const run = (
    e: NodeJS.ProcessEnv,
    count: number,
    then = '',
    flag = '--import',
    ext: 'mjs' | 'cjs' = 'mjs',
  ) => start(process.execPath, [flag, '@spillway/node/register', app(ext), String(count), then], e);

  describe('SIGTERM', () => {
    it.each([
      ['--import (ESM)', '--import', 'mjs'],
      ['-r (CommonJS)', '-r', 'cjs'],
    ] as const)(
      'should deliver every kept record, then end by the signal: %s',
      async (_name, flag, ext) => {
        const c = run(env({}), 2000, 'wait', flag, ext);
        await c.line('ready');
        c.child.kill('SIGTERM');
        expect(await c.done).toEqual({ code: null, signal: 'SIGTERM' });
        const ids = new Set(receiver.records.map((r) => r.attributes['test.id']));
        expect(ids.size).toBe(2000);
        expect(receiver.records[0]?.resource['service.name']).toBe('register-test');
      },
    );
  });

  describe('process.exit()', () => {
    it('should put a FATAL logged right before exit on disk and deliver it on the next start', async () => {
      const url = receiver.url;
      await receiver.stop();
      const e = env({ SPILLWAY_FAILOVER: 'none', OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: url });
      const first = run(e, 20, 'fatal-exit');
      expect(await first.done).toEqual({ code: 0, signal: null });
      await receiver.start();
      expect(receiver.records).toHaveLength(0);

      const second = run(e, 0, 'wait');
      const isFatal = (r: { attributes: Record<string, unknown> }) =>
        r.attributes['test.id'] === 'fatal';
      try {
        await receiver.waitFor(() => receiver.records.some(isFatal), 30_000, 'the FATAL record');
      } finally {
        second.child.kill('SIGTERM');
        await second.done;
      }
      expect(receiver.records.find(isFatal)).toMatchObject({
        severityNumber: 21,
        body: 'last words',
      });
      expect(new Set(receiver.records.map((r) => r.attributes['test.id'])).size).toBe(21);
    });
  });

  describe('uncaught exception', () => {
    it('should record a FATAL record with exception.* attributes and still crash with code 1', async () => {
      const e = env({});
      const c = run(e, 0, 'throw');
      expect((await c.done).code).toBe(1);
      expect(c.stderr()).toContain('Error: unexpected state');
      const isCrash = (r: { severityNumber: number }) => r.severityNumber === 21;
      if (!receiver.records.some(isCrash)) {
        // Not delivered before the crash: it is in the WAL, and the next start delivers it.
        const next = run(e, 0, 'wait');
        try {
          await receiver.waitFor(() => receiver.records.some(isCrash), 30_000, 'the FATAL record');
        } finally {
          next.child.kill('SIGTERM');
          await next.done;
        }
      }
      const fatal = receiver.records.find(isCrash)!;
      expect(fatal.body).toBe('Uncaught exception: Error: unexpected state');
      expect(fatal.attributes['exception.type']).toBe('Error');
      expect(fatal.attributes['exception.message']).toBe('unexpected state');
      expect(String(fatal.attributes['exception.stacktrace'])).toContain('emit-app.mjs');
    });
  });

  describe('SPILLWAY_CONFIG_FILE', () => {
    it('should change the ratios of a running process when the file changes', async () => {
      const policy = join(mkdtempSync(join(tmpdir(), 'spillway-register-')), 'policy.json');
      writeFileSync(policy, '{"ratios":{"info":0}}');
      const c = start(
        process.execPath,
        [
          '--import',
          '@spillway/node/register',
          join(import.meta.dirname, 'fixtures', 'reload-app.mjs'),
        ],
        env({ SPILLWAY_CONFIG_FILE: policy }),
        ROOT,
        'pipe',
      );
      await c.line('ready info=0');
      c.child.stdin!.write('emit 200 before\n');
      await c.line('emitted before');
      writeFileSync(policy, '{"ratios":{"info":1}}');
      await c.line('policy info=1');
      c.child.stdin!.write('emit 200 after\n');
      await c.line('emitted after');
      c.child.kill('SIGTERM');
      expect(await c.done).toEqual({ code: null, signal: 'SIGTERM' });
      const ids = receiver.records.map((r) => String(r.attributes['test.id']));
      expect(ids.filter((id) => id.startsWith('before-'))).toEqual([]);
      expect(new Set(ids.filter((id) => id.startsWith('after-'))).size).toBe(200);
    });
  });

  describe('OTEL_SDK_DISABLED', () => {
    it('should start nothing', async () => {
      const c = run(env({ OTEL_SDK_DISABLED: 'true' }), 10);
      expect(await c.done).toEqual({ code: 0, signal: null });
      expect(receiver.requestCount).toBe(0);
    });
  });
});
