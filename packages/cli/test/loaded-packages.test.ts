import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, buildCli, writeFixture } from './fixture';

// cat, stats and verify read files: they must not load the pipeline (@spillway/node and the OTLP
// gRPC exporter it brings), which costs start-up time and ties them to gRPC.
const PRELOAD = fileURLToPath(new URL('./fixtures/report-loaded-packages.cjs', import.meta.url));
let root = '';
let dir = '';

beforeAll(async () => {
  buildCli();
  ({ root, dir } = await writeFixture());
}, 300_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

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
  it.each([['cat'], ['stats'], ['verify']])('%s should not load the OTLP exporter', (command) => {
    expect(loadedPackages([command, dir])).not.toContain('@opentelemetry/exporter-logs-otlp-grpc');
  });

  it('doctor should load it (the check above sees packages it loads)', () => {
    expect(loadedPackages(['doctor', '--no-probe'])).toContain(
      '@opentelemetry/exporter-logs-otlp-grpc',
    );
  });
});
