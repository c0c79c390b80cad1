#!/usr/bin/env node
// The `spillway` command. This file is committed, not built: `npm ci` in the repository links
// node_modules/.bin/spillway to it before anything is built (a bin pointing into dist/ would not
// be linked at all). It runs the built CLI, or says how to build it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/bin.mjs', import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  process.stderr.write(
    `spillway: the CLI is not built yet (${fileURLToPath(built)} is missing).\n` +
      'Build it at the repository root with `npm run build`, then run the command again.\n',
  );
  process.exitCode = 1;
}
