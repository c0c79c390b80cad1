// Vitest global setup (vitest.config.mts): every temporary file and folder a test run makes goes
// under one folder of its own, removed when the run ends. Tests (and the child processes they
// start) call `os.tmpdir()`, which reads TMPDIR; the workers inherit the variable set here, before
// they start. Without it each run left a few hundred `spillway-*` folders in the system's /tmp
// (the folders of tests that failed, were killed, or left their cleanup to the OS). Each project
// inherits the root's global setup: the folder is made by the first call, and removed by its
// teardown, after the last project's tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = Symbol.for('spillway.test-temp-root');

export default function setup(): (() => void) | undefined {
  const state = globalThis as { [ROOT]?: string };
  if (state[ROOT] !== undefined) return undefined;
  const root = mkdtempSync(join(tmpdir(), 'spillway-test-run-'));
  state[ROOT] = root;
  process.env.TMPDIR = root;
  return () => {
    // SPILLWAY_KEEP_TEST_TMP=1 keeps it, to look at what a failed run left.
    if (process.env.SPILLWAY_KEEP_TEST_TMP === '1') {
      console.log(`test temporary files kept in ${root}`);
      return;
    }
    try {
      rmSync(root, { recursive: true, force: true });
    } catch (e) {
      // A mount a test left behind (EBUSY): say so, and where, rather than fail the run here.
      console.warn(`test temporary folder ${root} not removed: ${(e as Error).message}`);
    }
  };
}
