import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const outDir = fileURLToPath(new URL('../.tmp/children', import.meta.url));

/**
 * Bundles a TypeScript child-process script (sibling packages from their sources, through the
 * root tsconfig paths) into packages/router/.tmp, where node_modules resolve; Node 20 cannot run
 * .ts itself. Returns the .mjs path.
 */
export async function buildChild(entry: string): Promise<string> {
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, basename(entry).replace(/\.ts$/, '.mjs'));
  await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20.6',
    tsconfig: join(root, 'tsconfig.base.json'),
    external: ['@opentelemetry/*', '@grpc/*', '@mongodb-js/*'],
    logLevel: 'error',
    logOverride: { 'empty-import-meta': 'silent' },
  });
  return outfile;
}
