import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';

const testDir = join(import.meta.dirname, '..');
const packages = join(testDir, '..', '..');

/**
 * Bundles `test/fixtures/<name>.ts` into `test/.tmp/<name>.mjs` for a real child process (~100 ms):
 * this package and its @spillway siblings from source (never a stale dist), third-party packages
 * from node_modules. Returns the bundle's path.
 */
export async function bundleChild(name: string): Promise<string> {
  const outDir = join(testDir, '.tmp');
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, `${name}.mjs`);
  const sibling = (pkg: string) => join(packages, pkg, 'src', 'index.ts');
  await esbuild.build({
    entryPoints: [join(testDir, 'fixtures', `${name}.ts`)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    alias: {
      '@spillway/file-exporter': sibling('file-exporter'),
      '@spillway/record-format': sibling('record-format'),
      '@spillway/sampling': sibling('sampling'),
      '@spillway/self-metrics': sibling('self-metrics'),
      '@spillway/testing': sibling('testing'),
    },
    external: ['@opentelemetry/*', '@grpc/*', '@mongodb-js/*', 'fast-check'],
    outfile,
    logLevel: 'warning',
  });
  return outfile;
}
