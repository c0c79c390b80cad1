import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { isProcessAlive } from '../src/index';

describe('isProcessAlive', () => {
  it('should say a running process is alive, and the same process gone once it has exited', async () => {
    const child = spawn(process.execPath, ['-e', 'process.stdin.resume()'], {
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    await once(child, 'spawn');
    const pid = child.pid!;
    expect(isProcessAlive(process.pid)).toBe(true);
    expect(isProcessAlive(pid)).toBe(true);
    child.stdin.end();
    await once(child, 'exit');
    expect(isProcessAlive(pid)).toBe(false);
  });

  it('should count a process of another user as alive (EPERM), when there is one to ask', () => {
    if (process.getuid?.() === 0) {
      console.log('skipped: running as root, no process is out of reach of signal 0');
      return;
    }
    expect(isProcessAlive(1)).toBe(true);
  });
});
