import { spawn } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { DiskBufferedLogRecordExporter } from '../src/index';
import { bundleChild } from './helpers/child-bundle';
import { CollectingExporter } from './helpers/collecting-exporter';
import { removeTempDirs, tempDir } from './helpers/records';

// A real child emits FATAL records through LoggerProvider → SamplingLogRecordProcessor → this
// exporter and SIGKILLs itself the instant the last `emit` returns. Whatever the fsync policy,
// every FATAL record, and every record still queued with the last one, must be in the WAL on the
// next start: the write-through puts them in the page cache before `emit` returns, and a killed
// process loses nothing the kernel holds. (Only an OS crash needs the policy's fdatasync.) The
// batch of 64 the processor had already exported on its own is outside that promise: its write
// is in flight, unacknowledged, when the FATAL arrives; the reader resyncs past it if it never
// landed.
const ROUNDS = 20;
let childPath: string;

beforeAll(async () => {
  childPath = await bundleChild('fatal-child');
  return removeTempDirs;
});

function runChild(dir: string, policy: string): Promise<NodeJS.Signals | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [childPath, dir, policy, String(ROUNDS)], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal === null) reject(new Error(`child exited ${code}: ${err}`));
      else resolve(signal);
    });
  });
}

describe('DiskBufferedLogRecordExporter', () => {
  describe('FATAL write-through', () => {
    it.each(['always', 'interval', 'never'])(
      'should recover every FATAL emitted before a SIGKILL right after emit: fsync %s',
      async (policy) => {
        const dir = tempDir();
        expect(await runChild(dir, policy)).toBe('SIGKILL');
        const down = new CollectingExporter();
        const exporter = new DiskBufferedLogRecordExporter({ exporter: down, directory: dir });
        const fatalIds = Array.from({ length: ROUNDS }, (_, r) => r * 1000 + 999);
        // INFO 64–99 of the last round: queued when its FATAL came (0–63 went out as a batch).
        const lastRound = Array.from({ length: 36 }, (_, i) => (ROUNDS - 1) * 1000 + 64 + i);
        const got = () => new Set(down.ids());
        await down.waitFor(() => {
          const ids = got();
          return [...fatalIds, ...lastRound].every((id) => ids.has(id));
        }, 20_000);
        await exporter.forceFlush();
        const fatal = down.records.filter((r) => r.severityNumber === 21);
        expect(fatal.map((r) => r.attributes['test.id'])).toEqual(fatalIds);
        expect(fatal.map((r) => r.body)).toEqual(fatalIds.map((_, r) => `fatal ${r}`));
        // Nothing twice (nothing was delivered before the kill), nothing that was not emitted.
        const ids = down.ids();
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids.every((id) => id % 1000 === 999 || id % 1000 < 100)).toBe(true);
        expect(exporter.getStats().recordsPending).toBe(0);
        console.log(
          `fsync ${policy}: ${ROUNDS} FATAL and ${ids.length - ROUNDS} of ${ROUNDS * 100} INFO recovered`,
        );
        await exporter.shutdown();
      },
    );
  });
});
