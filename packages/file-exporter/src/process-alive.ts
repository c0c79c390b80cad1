/**
 * Whether process `pid` runs on this host: signal 0 checks without signalling, and EPERM means it
 * runs as another user. A pid reused by an unrelated process looks alive too, so callers use this
 * to keep what may be another process's work (a lock, a temp file), never to delete it. Says
 * nothing about a pid written on another host.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
