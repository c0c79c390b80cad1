import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DiskBufferedLogRecordExporter } from '../src/index';
import { bundleChild } from './helpers/child-bundle';
import { CollectingExporter } from './helpers/collecting-exporter';
import { removeTempDirs, tempDir } from './helpers/records';

// `shutdown()` waits up to `shutdownTimeoutMillis` for the backlog, then saves the checkpoint,
// closes the files and releases the lock. A process whose only remaining work is that shutdown
// (the app returned from main; the downstream is failing, so the sender is between retries) must
// stay alive for it: the budget's timer does not hold the process, the sender's retry sleeps do
// while shutdown waits. A real child with nothing else to do proves it: it prints once shutdown
// resolved, and leaves the directory unlocked.
const BUDGET_MS = 1500;
let childPath: string;

beforeAll(async () => {
  childPath = await bundleChild('shutdown-child');
  return removeTempDirs;
});

function runChild(dir: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [childPath, dir, String(BUDGET_MS)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

describe('DiskBufferedLogRecordExporter', () => {
  describe('shutdown', () => {
    it('should keep a process with nothing else to do alive until shutdown is done, then deliver on restart', async () => {
      const dir = tempDir();
      const { code, out, err } = await runChild(dir);
      expect(err).toBe('');
      expect(code).toBe(0);
      const waited = Number(/^shut down (\d+)\n$/.exec(out)?.[1]);
      // It waited out its budget for the failing downstream, then finished.
      expect(waited).toBeGreaterThanOrEqual(BUDGET_MS - 50);
      expect(existsSync(join(dir, 'lock'))).toBe(false);
      const down = new CollectingExporter();
      const exporter = new DiskBufferedLogRecordExporter({ exporter: down, directory: dir });
      await down.waitFor(() => down.ids().length >= 50, 10_000);
      await exporter.shutdown();
      expect(down.ids().sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    }, 20_000);
  });
});
