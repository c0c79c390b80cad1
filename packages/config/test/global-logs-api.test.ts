import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildPackages } from '../../../test/node-pipeline/helpers';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

// The built package, loaded as users load it, in the case that once hid the logs API: a CommonJS
// `node -e` script (which sets a global `__filename` of `[eval]`) importing the ESM build. The
// API must be found from the module's own location on both OTel lines.
describe('globalLogsApi from the built package', () => {
  beforeAll(() => buildPackages(), 300_000);

  it.each([
    ['import from a CommonJS -e script', "import('@spillway/config').then((m) => check(m))"],
    ['require from a CommonJS -e script', "check(require('@spillway/config'))"],
  ])('should find the logs API: %s', (_name, load) => {
    const script = `const check = (m) => { const api = m.globalLogsApi(); console.log(typeof api?.getLogger); }; ${load};`;
    const out = execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(out).toBe('function\n');
  });
});
