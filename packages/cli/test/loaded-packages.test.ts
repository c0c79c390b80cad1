import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BIN, useFixture } from './fixture';

// No command loads the pipeline (@spillway/node and the OTLP gRPC exporter it brings), which costs
// start-up time and ties the CLI to gRPC: cat, stats and verify read files, and doctor reads the
// configuration through @spillway/config.
const PRELOAD = fileURLToPath(new URL('./fixtures/report-loaded-packages.cjs', import.meta.url));
let root = '';
let dir = '';

useFixture((paths) => ({ root, dir } = paths));

function loadedPackages(args: string[]): string[] {
  const r = spawnSync(process.execPath, ['-r', PRELOAD, BIN, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, SPILLWAY_PROGRESS: '0', SPILLWAY_DIR: root },
  });
  const line = /^loaded packages: (.*)$/m.exec(r.stderr);
  expect(line, r.stderr).not.toBeNull();
  return line![1]!.split(' ');
}

describe('spillway', () => {
  it.each([['cat'], ['stats'], ['verify']])(
    '%s should not load gRPC or the pipeline',
    (command) => {
      const loaded = loadedPackages([command, dir]);
      // Workspace packages load from their real paths (no node_modules in them); commander does not.
      expect(loaded).toContain('commander');
      for (const heavy of [
        '@grpc/grpc-js',
        '@opentelemetry/exporter-logs-otlp-grpc',
        '@spillway/node',
      ])
        expect(loaded).not.toContain(heavy);
    },
  );

  it('doctor should read the configuration without loading gRPC or the pipeline', () => {
    const loaded = loadedPackages(['doctor', '--no-probe']);
    // The check sees what doctor does load: yaml, through the configuration owner (workspace
    // packages load from their real paths, which name no node_modules).
    expect(loaded).toContain('yaml');
    for (const heavy of [
      '@grpc/grpc-js',
      '@opentelemetry/exporter-logs-otlp-grpc',
      '@spillway/node',
    ])
      expect(loaded).not.toContain(heavy);
  });
});
