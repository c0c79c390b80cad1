import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OtlpGrpcLogsReceiver, scaled } from '@spillway/testing';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiskBufferedLogRecordExporter } from '../src/index';
import { CRASH_KEY, crashBody } from './fixtures/crash-records';
import { removeTempDirs, tempDir } from './helpers/records';

// A real child process appends with fsync 'always' and is SIGKILLed at random points. Every
// acknowledged id must reach the receiver afterwards, intact. The child is this package's source
// bundled once by esbuild (~100 ms): no package build, and the child starts fast.
const LOOPS = scaled(12, 50, 'SPILLWAY_CRASH_LOOPS');
/** The same loop with encryption on, at a fifth of the kills. */
const VARIANTS = [
  { frames: 'plain', loops: LOOPS },
  { frames: 'encrypted', loops: Math.max(4, Math.round(LOOPS / 5)) },
] as const;
const bundleDir = join(import.meta.dirname, '.tmp');
const childPath = join(bundleDir, 'crash-child.mjs');
let receiver: OtlpGrpcLogsReceiver;

beforeAll(async () => {
  mkdirSync(bundleDir, { recursive: true });
  const packages = join(import.meta.dirname, '..', '..');
  await esbuild.build({
    entryPoints: [join(import.meta.dirname, 'fixtures', 'crash-child.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    // Sibling packages from source (never a stale dist); third-party packages from node_modules.
    alias: {
      '@spillway/file-exporter': join(packages, 'file-exporter', 'src', 'index.ts'),
      '@spillway/record-format': join(packages, 'record-format', 'src', 'index.ts'),
    },
    external: ['@opentelemetry/*', '@grpc/*', '@mongodb-js/*'],
    outfile: childPath,
    logLevel: 'warning',
  });
  receiver = await new OtlpGrpcLogsReceiver().start();
});

afterAll(async () => {
  await receiver.stop();
  removeTempDirs();
});

/** Runs one child until it has acknowledged something, then SIGKILLs it after a random delay. */
function crashOnce(
  dir: string,
  firstId: number,
  acked: Set<number>,
  mode: 'otlp' | 'down',
  frames: 'plain' | 'encrypted',
): Promise<number> {
  return new Promise((resolve, reject) => {
    const args = [childPath, dir, receiver.url, String(firstId), mode, frames];
    const child: ChildProcess = spawn(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let maxId = firstId;
    let armed = false;
    const stuck = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child acknowledged nothing in 10 s: ${err}`));
    }, 10_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      let nl = out.indexOf('\n');
      while (nl >= 0) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        const m = /^ack (\d+) (\d+)$/.exec(line);
        if (m) {
          const from = Number(m[1]);
          const n = Number(m[2]);
          for (let i = from; i < from + n; i++) acked.add(i);
          maxId = Math.max(maxId, from + n);
          if (!armed) {
            armed = true;
            setTimeout(() => child.kill('SIGKILL'), Math.random() * 80);
          }
        }
        nl = out.indexOf('\n');
      }
    });
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('exit', (code, signal) => {
      clearTimeout(stuck);
      if (signal !== 'SIGKILL') reject(new Error(`child exited ${code} ${signal}: ${err}`));
      // Ids a killed child may have used without acknowledging: skip past them.
      else resolve(maxId + 1000);
    });
  });
}

describe('DiskBufferedLogRecordExporter', () => {
  describe.each(VARIANTS)('crash recovery ($frames frames)', ({ frames, loops: LOOPS }) => {
    // ~20 s for 50 kills on an idle 2-core machine; the timeout leaves room for a loaded runner.
    it(`should deliver every acknowledged record after ${LOOPS} SIGKILLs`, {
      timeout: 60_000 + LOOPS * 2_000,
    }, async () => {
      receiver.clear();
      const dir = tempDir();
      const acked = new Set<number>();
      let nextId = 0;
      const t0 = Date.now();
      // Every 4th child delivers over OTLP (kills land in sends and checkpoint writes too).
      for (let i = 0; i < LOOPS; i++) {
        nextId = await crashOnce(dir, nextId, acked, i % 4 === 0 ? 'otlp' : 'down', frames);
      }
      console.log(`${LOOPS} crashes in ${Date.now() - t0} ms`);
      expect(acked.size).toBeGreaterThan(LOOPS);
      if (frames === 'encrypted') {
        // Torn writes and recoveries leave no record in the clear.
        const body = Buffer.from(crashBody([...acked][0]!));
        for (const name of readdirSync(dir)) {
          if (name.endsWith('.wal'))
            expect(readFileSync(join(dir, name)).includes(body)).toBe(false);
        }
      }

      const exporter = new DiskBufferedLogRecordExporter({
        exporter: new OTLPLogExporter({ url: receiver.url, timeoutMillis: 5000 }),
        directory: dir,
        retry: { initialMillis: 20, maxMillis: 200 },
        ...(frames === 'encrypted' ? { encryption: CRASH_KEY } : {}),
      });
      const ids = () => new Set(receiver.records.map((r) => Number(r.attributes['test.id'])));
      // Checked at every request: only the records new since the last check are looked at (the
      // long mode acknowledges ~250k ids; rescanning them all per request starves the sender).
      const missing = new Set(acked);
      let seen = 0;
      await receiver.waitFor(
        () => {
          const records = receiver.records;
          for (; seen < records.length; seen++) {
            missing.delete(Number(records[seen]!.attributes['test.id']));
          }
          return missing.size === 0;
        },
        30_000 + acked.size / 10,
        'every acknowledged id',
      );
      await exporter.forceFlush();
      expect(exporter.getStats().recordsPending).toBe(0);
      for (const r of receiver.records) {
        expect(r.body).toBe(crashBody(Number(r.attributes['test.id'])));
      }
      const stats = exporter.getStats();
      const duplicates = receiver.records.length - ids().size;
      console.log(
        `crash loop (${frames}): ${LOOPS} kills, ${acked.size} acknowledged, ${receiver.records.length} received, ` +
          `${duplicates} duplicates, ${stats.truncatedBytes} torn bytes cut, ${stats.dropped.corrupt.total} corrupt`,
      );
      // fsync 'always' acknowledges only whole, synced frames: a kill can tear only unacknowledged ones.
      expect(stats.dropped.corrupt.total).toBe(0);
      await exporter.shutdown();
    });
  });
});
