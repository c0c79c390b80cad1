// Vitest global setup (vitest.config.mts): says which mode the run is in before any test starts.
// Each project inherits the root's global setup, so the line is printed by the first one only.
import { testModeBanner } from './test-mode';

const PRINTED = Symbol.for('spillway.test-mode-printed');

export default function setup(): void {
  const state = globalThis as { [PRINTED]?: true };
  if (state[PRINTED]) return;
  state[PRINTED] = true;
  console.log(testModeBanner());
}
