import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

// Every package must load both ways users load it: `import` (ESM) and `require` (CJS), from
// its built output through its `exports` map. Needs `npm run build` first (`npm test` does it).
const root = resolve(import.meta.dirname, '../..');
const packages = readdirSync(join(root, 'packages')).map((dir) => {
  const pkg = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8'));
  return { dir, name: pkg.name as string, pkg };
});

// One child per loading mode for all the packages, printing each one's export names: the same
// answer as a child per package and mode, without paying Node's start-up 26 times.
const LIST = {
  import: `Promise.all(NAMES.map((n) => import(n))).then((ms) => console.log(JSON.stringify(ms.map((m) => Object.keys(m).filter((k) => k !== 'default' && k !== 'module.exports').sort()))))`,
  require: 'console.log(JSON.stringify(NAMES.map((n) => Object.keys(require(n)).sort())))',
};
// The CommonJS exports that are accessors (esbuild writes getters; the build makes them values).
const ACCESSORS = `const NAMES = %s;\nconsole.log(JSON.stringify(NAMES.map((n) => { const m = require(n); return Object.keys(m).filter((k) => Object.getOwnPropertyDescriptor(m, k).get !== undefined); })))`;
const exported = { import: new Map<string, string[]>(), require: new Map<string, string[]>() };
const accessors = new Map<string, string[]>();
beforeAll(() => {
  const names = packages.map((p) => p.name);
  for (const mode of ['import', 'require'] as const) {
    const script = `const NAMES = ${JSON.stringify(names)};\n${LIST[mode]}`;
    const out = execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' });
    const lists: string[][] = JSON.parse(out);
    for (const [i, name] of names.entries()) exported[mode].set(name, lists[i]!);
  }
  const script = ACCESSORS.replace('%s', JSON.stringify(names));
  const out = execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' });
  for (const [i, list] of (JSON.parse(out) as string[][]).entries()) {
    accessors.set(names[i]!, list);
  }
}, 120_000);

function exportedNames(name: string, mode: 'import' | 'require'): string[] {
  const names = exported[mode].get(name);
  if (names === undefined) throw new Error(`no ${mode} listing for ${name}`);
  return names;
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

      it('should give require() plain values, not getters (a call per use on hot paths)', () => {
        expect(accessors.get(name)).toEqual([]);
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
