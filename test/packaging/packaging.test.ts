import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// Every package must load both ways users load it: `import` (ESM) and `require` (CJS), from
// its built output through its `exports` map. Needs `npm run build` first (`npm test` does it).
const root = resolve(import.meta.dirname, '../..');
const packages = readdirSync(join(root, 'packages')).map((dir) => {
  const pkg = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8'));
  return { dir, name: pkg.name as string, pkg };
});

function exportedNames(name: string, mode: 'import' | 'require'): string[] {
  const script =
    mode === 'require'
      ? `console.log(JSON.stringify(Object.keys(require(${JSON.stringify(name)})).sort()))`
      : `import(${JSON.stringify(name)}).then((m) => console.log(JSON.stringify(Object.keys(m).filter((k) => k !== 'default' && k !== 'module.exports').sort())))`;
  const out = execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' });
  return JSON.parse(out);
}

describe('packaging', () => {
  for (const { dir, name, pkg } of packages) {
    describe(name, () => {
      it('should be built (run `npm run build` first)', () => {
        expect(existsSync(join(root, 'packages', dir, 'dist', 'index.mjs'))).toBe(true);
        expect(existsSync(join(root, 'packages', dir, 'dist', 'index.cjs'))).toBe(true);
        expect(existsSync(join(root, 'packages', dir, 'dist', 'types', 'index.d.ts'))).toBe(true);
      });

      it('should export the same names to import and require', () => {
        const esm = exportedNames(name, 'import');
        const cjs = exportedNames(name, 'require');
        expect(esm).toEqual(cjs);
        expect(esm.length).toBeGreaterThan(0);
      });

      it('should publish only built files and docs', () => {
        expect(pkg.files).toContain('dist');
        expect(pkg.exports['.'].import).toBe('./dist/index.mjs');
        expect(pkg.exports['.'].require).toBe('./dist/index.cjs');
        expect(pkg.license).toBe('Apache-2.0');
      });
    });
  }
});
