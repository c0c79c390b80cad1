import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scaled } from '@spillway/testing';
import * as esbuild from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { createReadStats, readLogRecords, verifyHashChain } from '../src/index';
import { tempDir } from './helpers';

// Real crashes: a child process writing through the exporter is killed with SIGKILL at a random
// moment. 2 kills by default, 4 with SPILLWAY_LONG=1; SPILLWAY_CRASH_ITERATIONS=500 for a long run.
const ITERATIONS = scaled(2, 4, 'SPILLWAY_CRASH_ITERATIONS');
// Odd iterations write encrypted, chained files (the child's `sealed` mode, its key here).
const ENCRYPTION = { keys: [{ id: 9, key: Buffer.alloc(32, 9) }] };
const root = fileURLToPath(new URL('../../..', import.meta.url));
let childScript = '';

beforeAll(async () => {
  const outDir = fileURLToPath(new URL('../.tmp', import.meta.url));
  mkdirSync(outDir, { recursive: true });
  childScript = join(outDir, 'writer-child.mjs');
  await esbuild.build({
    entryPoints: [fileURLToPath(new URL('./children/writer-child.ts', import.meta.url))],
    outfile: childScript,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20.6',
    tsconfig: join(root, 'tsconfig.base.json'),
    external: ['@opentelemetry/*', '@mongodb-js/*'],
    logLevel: 'error',
  });
});

/** Resolves with the last durable count the child printed once it printed `atLeast` lines. */
function killAfter(child: ChildProcess, flushes: number, extraMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let seen = 0;
    let last = 0;
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      for (const line of chunk.split('\n').filter(Boolean)) {
        last = Number(line);
        if (++seen === flushes) setTimeout(() => child.kill('SIGKILL'), extraMs);
      }
    });
    child.on('error', reject);
    child.on('exit', (_code, signal) =>
      signal === 'SIGKILL'
        ? resolve(last)
        : reject(new Error(`child exited without SIGKILL: ${signal}`)),
    );
  });
}

describe('ZstdFileLogRecordExporter', () => {
  describe('crash', () => {
    it('should keep every flushed record and at most one torn frame per file after SIGKILL', async () => {
      for (let i = 0; i < ITERATIONS; i++) {
        const dir = tempDir();
        const sealed = i % 2 === 1;
        const child = spawn(process.execPath, [childScript, dir, sealed ? 'sealed' : 'plain'], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        const durable = await killAfter(child, 2 + (i % 3), (i * 37) % 50);
        const stats = createReadStats();
        const ids: number[] = [];
        for await (const r of readLogRecords(dir, { stats, encryption: ENCRYPTION }))
          ids.push(r.attributes['test.id'] as number);
        // Every flushed record is there, in order, with no gap and no duplicate.
        expect(ids.length).toBeGreaterThanOrEqual(durable);
        expect(ids.every((id, k) => id === k)).toBe(true);
        const torn = stats.problems.filter((p) => p.kind === 'torn');
        expect(stats.problems.filter((p) => p.kind === 'corrupt')).toEqual([]);
        expect(new Set(torn.map((p) => p.path)).size).toBe(torn.length);
        if (sealed) {
          // A crash tears at most a tail; it never breaks the chain of what was written.
          const chain = await verifyHashChain(dir, { encryption: ENCRYPTION });
          expect(chain.broken).toBeUndefined();
        }
      }
    });
  });
});
