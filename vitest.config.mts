import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// One project per package (its tests read sibling packages' sources through the aliases below, so
// tests never wait on a build) plus the cross-package integration tests under test/.
const root = import.meta.dirname;
const packages = readdirSync(resolve(root, 'packages'));

export default defineConfig({
  resolve: {
    alias: packages.map((name) => ({
      find: new RegExp(`^@spillway/${name}$`),
      replacement: resolve(root, 'packages', name, 'src/index.ts'),
    })),
  },
  test: {
    // Counts differ between the short and the long mode (SPILLWAY_LONG=1): say which one this is.
    // Temporary files go under one folder per run, removed at its end.
    globalSetup: [
      resolve(root, 'packages/testing/src/test-mode-setup.ts'),
      resolve(root, 'packages/testing/src/temp-root-setup.ts'),
    ],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      ...packages.map((name) => ({
        extends: true as const,
        test: { name, root: resolve(root, 'packages', name), include: ['test/**/*.test.ts'] },
      })),
      {
        extends: true as const,
        test: {
          name: 'integration',
          root: resolve(root, 'test'),
          include: ['**/*.test.ts'],
          exclude: ['compat-otel3/**', '**/node_modules/**'],
        },
      },
    ],
  },
});
