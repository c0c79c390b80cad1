#!/usr/bin/env node
// Runs every benchmark scenario (`bench/<package>/<scenario>.bench.mjs`), each in its own child
// process so no scenario warms the JIT or heap for another, and regenerates bench/RESULTS.md with
// the machine (Node version, CPU, cores) and the date. Usage: npm run bench [-- <filter>]
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const filter = process.argv[2];

function scenarios(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...scenarios(path));
    else if (name.endsWith('.bench.mjs')) out.push(path);
  }
  return out;
}

execFileSync('npx', ['turbo', 'run', 'build', '--output-logs=errors-only'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
});

const machine = `Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, ${new Date().toISOString().slice(0, 10)}`;
const sections = [`# Benchmark results\n\n${machine}. Regenerate with \`npm run bench\`.\n`];
let failed = 0;
for (const file of scenarios(here)) {
  const rel = relative(here, file);
  if (filter && !rel.includes(filter)) continue;
  process.stderr.write(`\n== ${rel}\n`);
  const run = spawnSync(process.execPath, ['--expose-gc', file], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  process.stdout.write(run.stdout);
  if (run.status !== 0) failed++;
  sections.push(`## ${rel}\n\n${run.stdout.trim()}\n`);
}
if (!filter) writeFileSync(join(here, 'RESULTS.md'), `${sections.join('\n')}`);
process.exit(failed ? 1 : 0);
