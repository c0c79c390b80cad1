#!/usr/bin/env node
// Builds the package in the current directory to ESM (`dist/*.mjs`) and CJS (`dist/*.cjs`) with
// esbuild, and its declarations (`dist/types`) with tsc. Usage: build.mjs [entry ...]; each entry
// is a file name under src/ without extension (default: index).
//
// Why two tools: TypeScript 7's compiler emits declarations fine but has no stable JS API for the
// bundlers that would otherwise do both; esbuild writes both module formats from one source.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as esbuild from 'esbuild';

const entries = process.argv.slice(2);
if (entries.length === 0) entries.push('index');
rmSync('dist', { recursive: true, force: true });

const common = {
  entryPoints: entries.map((e) => `src/${e}.ts`),
  bundle: true,
  packages: 'external',
  // The root tsconfig maps @spillway/* to sibling sources (for typechecking without builds), and
  // esbuild applies tsconfig paths before `packages: 'external'`: keep siblings external
  // explicitly, or each package would carry its own copy of them.
  external: ['@spillway/*'],
  platform: 'node',
  target: 'node20.6',
  sourcemap: true,
  outdir: 'dist',
  logLevel: 'warning',
  // Files that find their own folder check `typeof __dirname` first; the CJS build never reaches
  // the import.meta fallback.
  logOverride: { 'empty-import-meta': 'silent' },
};
const PLAIN_EXPORTS = `module.exports = ((m) => {
  const o = Object.defineProperty({}, '__esModule', { value: true });
  for (const k of Object.keys(m)) o[k] = m[k];
  return o;
})(module.exports);`;

await Promise.all([
  esbuild.build({ ...common, format: 'esm', outExtension: { '.js': '.mjs' } }),
  esbuild.build({
    ...common,
    format: 'cjs',
    outExtension: { '.js': '.cjs' },
    // esbuild's CommonJS exports are getters (two per name: the module's, then a copy of it), and
    // V8 does not inline them: every use of another package's export on a per-record path was a
    // call (a fifth of the sampler's refused path). No export is reassigned after the module has
    // run (no exported `let`; packages do not require each other in a cycle), so the finished
    // module's exports become plain values; the `0 && (module.exports = …)` note above stays for
    // the named-exports scan of Node's ESM loader.
    footer: { js: PLAIN_EXPORTS },
  }),
]);

// typescript@7 exports no subpath for its bin script; find it beside its package.json.
const require = createRequire(import.meta.url);
const tsc = join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
