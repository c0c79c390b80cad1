import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CompressedFileWriter } from '@spillway/file-exporter';
import { SyntheticRecordGenerator, toReadableLogRecords } from '@spillway/testing';
import { afterAll, beforeAll } from 'vitest';
import { buildPackages } from '../../../test/node-pipeline/helpers';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
/** The command as npm links it (`node_modules/.bin/spillway`): the committed launcher. */
export const BIN = join(ROOT, 'packages', 'cli', 'bin', 'spillway.mjs');
/** The records of {@link writeFixture}, in file order. */
export const RECORDS = toReadableLogRecords(
  new SyntheticRecordGenerator({ seed: 5, intervalMicros: 10_000 }).take(3000),
  'shop',
);

/** Services of {@link MIXED_RECORDS}, one per run of 100 records in turn. */
export const MIXED_SERVICES = ['shop', 'cart', 'auth'] as const;
/** 1,200 records 5 s apart (two UTC hours) from three services, for searches and breakdowns. */
export const MIXED_RECORDS = (() => {
  const generated = new SyntheticRecordGenerator({ seed: 9, intervalMicros: 5_000_000 }).take(1200);
  const out = [];
  for (let i = 0; i < generated.length; i += 100)
    out.push(...toReadableLogRecords(generated.slice(i, i + 100), MIXED_SERVICES[(i / 100) % 3]));
  return out;
})();

/** Writes {@link MIXED_RECORDS} as two files of 3 frames × 200 records into a new folder. */
export async function writeMixedFixture(): Promise<{ root: string; dir: string }> {
  const root = mkdtempSync(join(tmpdir(), 'spillway-cli-'));
  const dir = join(root, 'mixed');
  mkdirSync(dir);
  for (let file = 0; file < 2; file++) {
    const w = await CompressedFileWriter.create(join(dir, `mixed-20260101-00000${file}.zst`));
    for (let f = 0; f < 3; f++) {
      const i = file * 600 + f * 200;
      w.appendRecords(MIXED_RECORDS.slice(i, i + 200));
      await w.cutFrame();
    }
    await w.close();
  }
  return { root, dir };
}

/**
 * The launcher runs the built CLI (dist/), and `doctor` loads the built @spillway/node: build
 * what is older than its sources, one test file at a time (the helper holds a lock).
 */
export function buildCli(): void {
  buildPackages();
}

/** Writes two files of 3 frames × 500 records (10 ms apart: 5 s per frame) into a new folder. */
export async function writeFixture(): Promise<{ root: string; dir: string }> {
  const root = mkdtempSync(join(tmpdir(), 'spillway-cli-'));
  const dir = join(root, 'logs');
  mkdirSync(dir);
  for (let file = 0; file < 2; file++) {
    const w = await CompressedFileWriter.create(join(dir, `shop-20260101-00000${file}.zst`));
    for (let f = 0; f < 3; f++) {
      const i = file * 1500 + f * 500;
      w.appendRecords(RECORDS.slice(i, i + 500));
      await w.cutFrame();
    }
    await w.close();
  }
  return { root, dir };
}

/**
 * For a test file's top level: builds the CLI and writes {@link writeFixture}'s files before its
 * tests, handing the paths to `use`, and removes them after.
 */
export function useFixture(use: (paths: { root: string; dir: string }) => void): void {
  let root = '';
  beforeAll(async () => {
    buildCli();
    const paths = await writeFixture();
    root = paths.root;
    use(paths);
  }, 300_000);
  afterAll(() => {
    if (root !== '') rmSync(root, { recursive: true, force: true });
  });
}

/** A finished child: its exit code (null after a signal) and everything it printed. */
export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `command` in a child process and resolves when it has closed. Asynchronous, so a test file
 * can run its tests side by side (`describe.concurrent`): the children then share the cores
 * instead of each waiting for the one before it.
 */
export function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
  });
}

/** Runs `spillway <args>` in a child process (no progress bar unless `env` asks for one). */
export function spillway(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return run(process.execPath, [BIN, ...args], { ...process.env, SPILLWAY_PROGRESS: '0', ...env });
}
