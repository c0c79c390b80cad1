import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';

let script: string;

beforeAll(async () => {
  script = join(mkdtempSync(join(tmpdir(), 'spillway-hooks-')), 'hooks-child.mjs');
  await build({
    entryPoints: [join(import.meta.dirname, 'fixtures', 'hooks-child.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: script,
    logLevel: 'error',
  });
});

interface Run {
  child: ChildProcess;
  lines: string[];
  stderr: string[];
  ready: Promise<void>;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function run(scenario: string): Run {
  const child = spawn(process.execPath, [script, scenario], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const stderr: string[] = [];
  let onReady: () => void;
  const ready = new Promise<void>((r) => (onReady = r));
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    for (const l of parts) {
      lines.push(l);
      if (l === 'ready') onReady();
    }
  });
  child.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return { child, lines, stderr, ready, done };
}

describe('installProcessHooks', () => {
  describe('SIGTERM', () => {
    it('should shut down, then end the process by the signal when no one else handles it', async () => {
      const r = run('plain');
      await r.ready;
      r.child.kill('SIGTERM');
      expect(await r.done).toEqual({ code: null, signal: 'SIGTERM' });
      expect(r.lines).toEqual(['ready', 'shutdown']);
    });

    it('should bound a hanging shutdown by the timeout and still end the process', async () => {
      const r = run('hang');
      await r.ready;
      const t0 = Date.now();
      r.child.kill('SIGTERM');
      expect(await r.done).toEqual({ code: null, signal: 'SIGTERM' });
      expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
      expect(Date.now() - t0).toBeLessThan(5000);
    });

    it('should only flush when the app handles the signal, and leave the exit to the app', async () => {
      const r = run('app-handler');
      await r.ready;
      r.child.kill('SIGTERM');
      expect(await r.done).toEqual({ code: 0, signal: null });
      // Flushed at the signal, not shut down: the app may still log while it drains. Its exit is
      // a natural one (its loop ran dry), and the pipeline is shut down on the way out.
      expect(r.lines).toEqual([
        'ready',
        'forceFlush',
        'app handler',
        'app exits',
        'shutdown',
        'flushSync',
      ]);
    });
  });

  describe('SIGINT', () => {
    it('should shut down, then end the process by the signal', async () => {
      const r = run('plain');
      await r.ready;
      r.child.kill('SIGINT');
      expect(await r.done).toEqual({ code: null, signal: 'SIGINT' });
      expect(r.lines).toEqual(['ready', 'shutdown']);
    });
  });

  describe('beforeExit', () => {
    it('should shut down once when the app ends by itself', async () => {
      const r = run('natural');
      expect(await r.done).toEqual({ code: 0, signal: null });
      expect(r.lines).toEqual(['ready', 'shutdown', 'flushSync']);
    });
  });

  describe('exit', () => {
    it('should hand queued records over synchronously on process.exit() and keep the exit code', async () => {
      const r = run('exit');
      expect(await r.done).toEqual({ code: 3, signal: null });
      expect(r.lines).toEqual(['ready', 'flushSync']);
    });
  });

  describe('uncaughtException', () => {
    it('should emit a FATAL record with exception.* attributes, then crash as Node would', async () => {
      const r = run('throw');
      expect(await r.done).toEqual({ code: 1, signal: null });
      const emitted = r.lines.find((l) => l.startsWith('emit '));
      const record = JSON.parse(emitted!.slice(5));
      expect(record).toMatchObject({
        severityNumber: 21,
        severityText: 'FATAL',
        body: 'Uncaught exception: TypeError: boom',
        attributes: { 'exception.type': 'TypeError', 'exception.message': 'boom' },
      });
      expect(record.attributes['exception.stacktrace']).toContain('TypeError: boom');
      expect(r.lines.at(-1)).toBe('flushSync');
      expect(r.stderr.join('')).toContain('TypeError: boom');
    });

    it('should record an unhandled rejection the same way', async () => {
      const r = run('reject');
      expect(await r.done).toEqual({ code: 1, signal: null });
      const record = JSON.parse(r.lines.find((l) => l.startsWith('emit '))!.slice(5));
      expect(record.body).toBe('Unhandled rejection: RangeError: nope');
      expect(record.attributes['exception.type']).toBe('RangeError');
    });
  });
});
