import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

// What each package's tarball holds, as `npm pack` makes it (the dry run lists the files without
// writing a tarball), and whether its README reads right on the registry page, where only the
// tarball's files and absolute URLs exist. Needs `npm run build` first (`npm test` does it).
const root = resolve(import.meta.dirname, '../..');
const REPOSITORY = 'git+https://github.com/spillway-otel/spillway.git';
const dirs = readdirSync(join(root, 'packages'));

// One `npm pack` for every package (a workspace each) lists the same files as one run per
// package folder, without paying npm's start-up a dozen times (one run instead of 26).
const listing = new Map<string, string[]>();
beforeAll(() => {
  const args = ['pack', '--dry-run', '--json', '--ignore-scripts'];
  for (const dir of dirs) args.push('--workspace', `packages/${dir}`);
  const out = execFileSync('npm', args, { cwd: root, encoding: 'utf8' });
  const tarballs: Array<{ name: string; files: { path: string }[] }> = JSON.parse(out);
  for (const t of tarballs)
    listing.set(
      t.name,
      t.files.map((f) => f.path),
    );
}, 120_000);

function packedFiles(name: string): string[] {
  const files = listing.get(name);
  if (files === undefined) throw new Error(`npm pack listed no tarball for ${name}`);
  return files;
}

/** Markdown link targets, `[text](target)`, without a `#fragment`. */
function linksOf(markdown: string): string[] {
  return [...markdown.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!.split('#')[0]!);
}

/** Packages a README's `npm install` lines name, and the packages its code blocks import. */
function installedAndImported(markdown: string): { installed: Set<string>; imported: Set<string> } {
  const installed = new Set<string>();
  const imported = new Set<string>();
  for (const [, lang, body] of markdown.matchAll(/```(\w*)\n([\s\S]*?)```/g)) {
    if (lang === 'sh' || lang === 'bash') {
      for (const [, args] of body!.replace(/\\\n/g, ' ').matchAll(/npm install ([^\n]*)/g))
        for (const word of args!.split('#')[0]!.split(/\s+/))
          if (word.startsWith('@') || /^[a-z]/.test(word)) installed.add(word);
    } else if (/^(js|ts|mjs|cjs|javascript|typescript)$/.test(lang!)) {
      for (const line of body!.split('\n')) {
        const code = line.split('//')[0]!;
        for (const [, spec] of code.matchAll(
          /(?:from\s+|require\(\s*|import\s+)['"]([^'"]+)['"]/g,
        )) {
          if (spec!.startsWith('.') || spec!.startsWith('node:')) continue;
          const parts = spec!.split('/');
          imported.add(spec!.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!);
        }
      }
    }
  }
  return { installed, imported };
}

describe('published files', () => {
  for (const dir of dirs) {
    const folder = join(root, 'packages', dir);
    const pkg = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'));

    describe(pkg.name as string, () => {
      it('should pack LICENSE (the repository root one), README.md and each `files` entry', () => {
        const packed = packedFiles(pkg.name);
        expect(pkg.files).toContain('LICENSE');
        expect(readFileSync(join(folder, 'LICENSE'), 'utf8')).toBe(
          readFileSync(join(root, 'LICENSE'), 'utf8'),
        );
        expect(packed).toContain('LICENSE');
        expect(packed).toContain('README.md');
        for (const entry of pkg.files as string[]) {
          expect(existsSync(join(folder, entry)), `files entry ${entry}`).toBe(true);
          expect(packed.some((p) => p === entry || p.startsWith(`${entry}/`))).toBe(true);
        }
        for (const target of Object.values((pkg.bin ?? {}) as Record<string, string>))
          expect(packed).toContain(relative('.', target));
      });

      it('should name the repository and its folder in it', () => {
        expect(pkg.repository).toEqual({
          type: 'git',
          url: REPOSITORY,
          directory: `packages/${dir}`,
        });
      });

      it('should link from its README only to absolute URLs or to files it packs', () => {
        const packed = packedFiles(pkg.name);
        for (const link of linksOf(readFileSync(join(folder, 'README.md'), 'utf8'))) {
          if (/^[a-z]+:/.test(link) || link === '') continue;
          const target = relative(folder, resolve(folder, link));
          expect(target.startsWith('..'), `README link ${link} leaves the package folder`).toBe(
            false,
          );
          expect(packed, `README link ${link}`).toContain(target);
        }
      });

      it('should install, in its README, every package its README examples import', () => {
        const { installed, imported } = installedAndImported(
          readFileSync(join(folder, 'README.md'), 'utf8'),
        );
        expect([...imported].filter((p) => !installed.has(p))).toEqual([]);
      });
    });
  }

  it('should not promise a CLI command that does not exist', () => {
    const cli = JSON.parse(readFileSync(join(root, 'packages/cli/package.json'), 'utf8'));
    const commands = readdirSync(join(root, 'packages/cli/src/commands')).map((f) =>
      f.replace(/\.ts$/, ''),
    );
    // Every verb the description names as a command is one (`replay` was once promised early).
    for (const verb of ['cat', 'stats', 'verify', 'replay', 'tail', 'wal', 'doctor', 'grep', 'tap'])
      if (new RegExp(`\\b${verb}\\b`).test(cli.description)) expect(commands).toContain(verb);
  });
});
