// The suite's two modes. The default (short) mode is what `npm test` and CI run: every test, with
// counts small enough for CI's 15-minute budget yet large enough to fail if the feature broke.
// The long mode (`SPILLWAY_LONG=1`, `npm run test:long`) runs the same tests with the full counts
// of crash loops, backlogs and fuzz runs. A test's own count variable (`SPILLWAY_CRASH_LOOPS`,
// `SPILLWAY_FUZZ_RUNS`, …) overrides both, for the one-off runs RELIABILITY.md records.

const LONG_VARIABLE = 'SPILLWAY_LONG';

/**
 * Whether the suite runs in its long mode: `SPILLWAY_LONG=1`. Unset, empty or `0` is the short
 * mode; any other value throws, so a mistyped `SPILLWAY_LONG=true` cannot pass for a long run.
 */
export function longMode(): boolean {
  const value = process.env[LONG_VARIABLE];
  if (value === undefined || value === '' || value === '0') return false;
  if (value === '1') return true;
  throw new Error(`${LONG_VARIABLE}=${JSON.stringify(value)}: expected 1 (long mode) or 0 (short)`);
}

/**
 * A test's iteration count: `short` by default, `long` in the long mode, or the positive integer in
 * the environment variable `override` when it is set (it wins over both modes). Use it for counts
 * that buy confidence, not meaning (kills in a crash loop, fuzz inputs, records in a backlog): the
 * test's assertions must hold, and must fail on a broken feature, at either count.
 */
export function scaled(short: number, long: number, override?: string): number {
  const given = override === undefined ? undefined : process.env[override];
  if (given !== undefined && given !== '') {
    const n = Number(given);
    if (!Number.isSafeInteger(n) || n < 1)
      throw new Error(`${override}=${JSON.stringify(given)}: expected a positive integer`);
    return n;
  }
  return longMode() ? long : short;
}

/** One line saying which mode runs, printed at the start of the suite so a CI log shows it. */
export function testModeBanner(): string {
  return longMode()
    ? `spillway tests: long mode (${LONG_VARIABLE}=1): full crash-loop, backlog and fuzz counts`
    : `spillway tests: short mode (${LONG_VARIABLE} unset): reduced crash-loop, backlog and fuzz counts; npm run test:long for the full ones`;
}
