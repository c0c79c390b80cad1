import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');

// Every workspace package with sources: a package added later is built too.
const PACKAGES = readdirSync(join(ROOT, 'packages')).filter((p) =>
  existsSync(join(ROOT, 'packages', p, 'src')),
);

/** True when some package's dist is missing or older than its sources. */
function stale(): boolean {
  for (const pkg of PACKAGES) {
    const dir = join(ROOT, 'packages', pkg);
    const dist = join(dir, 'dist', 'index.mjs');
    if (!existsSync(dist)) return true;
    const built = statSync(dist).mtimeMs;
    const sources = (readdirSync(join(dir, 'src'), { recursive: true }) as string[]).map((f) =>
      join(dir, 'src', f),
    );
    for (const f of [...sources, join(dir, 'package.json')]) {
      if (statSync(f).mtimeMs > built) return true;
    }
  }
  return false;
}

/**
 * Child processes load the BUILT packages (`@spillway/node/register` is a preload, outside
 * vitest's aliases): build them when a source is newer than its dist (`npm test` has built them
 * already). Test files run in parallel workers: a lock directory makes them build one at a time,
 * so no worker's children see a dist folder another build is replacing.
 */
export function buildPackages(): void {
  const lock = join(tmpdir(), 'spillway-node-pipeline-build.lock');
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another worker is building; a lock older than 5 minutes is from a killed run.
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 300_000)
        rmSync(lock, { recursive: true, force: true });
      Atomics.wait(pause, 0, 0, 200);
    }
  }
  try {
    if (!stale()) return;
    execFileSync(
      'npx',
      [
        'turbo',
        'run',
        'build',
        ...PACKAGES.map((p) => `--filter=@spillway/${p}`),
        '--output-logs=errors-only',
      ],
      { cwd: ROOT, stdio: 'inherit', env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' } },
    );
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Environment for a child: no trace/metric exporters (they would dial localhost), quiet npm. */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OTEL_TRACES_EXPORTER: 'none',
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_BLRP_SCHEDULE_DELAY: '100',
    ...extra,
  };
  for (const k of Object.keys(env))
    if (k.startsWith('VITEST') || k === 'NODE_OPTIONS') delete env[k];
  return env;
}

/**
 * Environment for an example run exactly as its README says: the caller's shell minus every
 * OTEL_* and SPILLWAY_* variable (and vitest's own), plus only the knobs the README documents.
 */
export function documentedEnv(documented: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env))
    if (/^(OTEL_|SPILLWAY_|VITEST)/.test(k) || k === 'NODE_OPTIONS') delete env[k];
  return { ...env, ...documented };
}

export interface Child {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves when a stdout line equals `line`. */
  line: (line: string) => Promise<void>;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function start(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd = ROOT,
  stdin: 'ignore' | 'pipe' = 'ignore',
): Child {
  const child = spawn(command, args, { cwd, env, stdio: [stdin, 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters: { line: string; resolve: () => void }[] = [];
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    const lines = out.split('\n');
    for (const w of waiters.splice(0)) {
      if (lines.includes(w.line)) w.resolve();
      else waiters.push(w);
    }
  });
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.on('close', (code, signal) => r({ code, signal })),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    line: (line) =>
      new Promise<void>((resolve, reject) => {
        if (out.split('\n').includes(line)) return resolve();
        waiters.push({ line, resolve });
        void done.then(() =>
          reject(new Error(`child ended before printing "${line}":\n${out}\n${err}`)),
        );
      }),
    done,
  };
}
