#!/usr/bin/env node
// Type tests: a TypeScript app per OTel line (test/types/otel2, test/types/otel3) installs the
// packed spillway tarballs beside that line, outside the repository (so no type can come from
// the repository's node_modules), and compiles test/types/consumer/*.mts|.cts with `tsc` under
// moduleResolution node16, nodenext and bundler, without skipLibCheck — with the repository's
// TypeScript 7 and with TypeScript 5.9 (what most apps still use). Then @arethetypeswrong/cli
// checks each tarball's `exports` and declarations (offline: it reads the tarball).
//
// Usage: type-tests.mjs [--keep] [--packs <dir>]     (needs a network for the two installs)
//   --packs <dir>  use the tarballs scripts/pack-packages.sh wrote there from the current build
//                  (CI packs once for this and test/compat-otel3) instead of building and packing
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const TYPES = join(ROOT, 'test', 'types');
const LINES = ['otel2', 'otel3'];
const MODES = ['node16', 'nodenext', 'bundler'];
const keep = process.argv.includes('--keep');
const packsAt = process.argv.indexOf('--packs');
const givenPacks = packsAt === -1 ? undefined : process.argv[packsAt + 1];
if (packsAt !== -1 && givenPacks === undefined) {
  console.error('usage: type-tests.mjs [--keep] [--packs <dir>]');
  process.exit(2);
}

const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, {
    cwd,
    stdio: 'inherit',
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
  });

const work = mkdtempSync(join(tmpdir(), 'spillway-types-'));
let passed = 0;
let failed = 0;
/** Runs one check; its output is shown only when it fails. */
function check(label, cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (r.status === 0) {
    passed++;
    console.log(`  ok    ${label}`);
  } else {
    failed++;
    console.log(`  FAIL  ${label}\n${r.stdout}${r.stderr}`);
  }
}

try {
  const packs = givenPacks === undefined ? join(work, 'packs') : resolve(givenPacks);
  if (givenPacks === undefined) {
    run('npx', ['turbo', 'run', 'build', '--output-logs=errors-only'], ROOT);
    run('bash', [join(ROOT, 'scripts', 'pack-packages.sh'), packs], ROOT);
  }
  // @spillway/testing is private (never published): apps cannot install it.
  const tarballs = readdirSync(packs)
    .filter((f) => f.endsWith('.tgz') && !f.startsWith('spillway-testing-'))
    .map((f) => join(packs, f));
  const tsc7 = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

  for (const line of LINES) {
    const app = join(work, line);
    cpSync(join(TYPES, line), app, { recursive: true });
    cpSync(join(TYPES, 'consumer'), app, { recursive: true });
    const quiet = ['--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'];
    run('npm', ['ci', ...quiet], app);
    run('npm', ['install', '--no-save', '--no-package-lock', ...quiet, ...tarballs], app);
    const sdkLogs = JSON.parse(
      readFileSync(join(app, 'node_modules/@opentelemetry/sdk-logs/package.json'), 'utf8'),
    ).version;
    console.log(`types ${line} (@opentelemetry/sdk-logs ${sdkLogs}):`);
    const tsc5 = join(app, 'node_modules', 'typescript', 'bin', 'tsc');
    for (const [name, tsc] of [
      ['ts7', tsc7],
      ['ts5.9', tsc5],
    ]) {
      for (const mode of MODES) {
        check(
          `${line} ${name} ${mode}`,
          process.execPath,
          [tsc, '-p', `tsconfig.${mode}.json`],
          app,
        );
      }
    }
  }

  console.log('arethetypeswrong:');
  const attw = join(work, 'otel3', 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js');
  for (const tarball of tarballs) {
    const name = tarball.slice(packs.length + 1);
    // node16 (CJS and ESM) and bundler: the packages need Node ≥ 20.6, which has `exports`.
    // false-cjs: `import` gets the CJS-flavoured index.d.ts (no .d.mts twin yet); the tsc runs
    // above show ESM apps compile against it.
    check(
      `attw ${name}`,
      process.execPath,
      [attw, tarball, '--format', 'ascii', '--profile', 'node16', '--ignore-rules', 'false-cjs'],
      work,
    );
  }
} finally {
  if (keep) console.log(`types: kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
console.log(`type tests: ${passed} passed, ${failed} failed`);
if (failed > 0) process.exit(1);
