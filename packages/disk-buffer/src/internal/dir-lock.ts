import * as fs from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { DirectoryLockedError } from '../directory-locked-error';

/**
 * One process per buffer directory: a `lock` file holding the owner's pid. A lock whose pid is no
 * longer running (the owner crashed) is taken over. A reused pid looks alive: the lock is then
 * refused until the file is removed, which errs on the side of never sharing a WAL.
 */

const LOCK_FILE = 'lock';
const heldHere = new Set<string>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readPid(path: string): number | undefined {
  try {
    const pid = Number.parseInt(fs.readFileSync(path, 'utf8').split('\n')[0] ?? '', 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export class DirLock {
  private released = false;

  private constructor(
    readonly directory: string,
    /** The pid of a dead holder whose lock was taken over, if any. */
    readonly tookOverFrom: number | undefined,
  ) {}

  /** Takes the lock or throws {@link DirectoryLockedError} naming the live holder. */
  static acquire(directory: string): DirLock {
    const path = join(directory, LOCK_FILE);
    const content = `${process.pid}\n${hostname()}\n`;
    if (heldHere.has(directory)) throw new DirectoryLockedError(directory, process.pid);
    try {
      fs.writeFileSync(path, content, { flag: 'wx', mode: 0o600 });
      heldHere.add(directory);
      return new DirLock(directory, undefined);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = readPid(path);
    if (holder !== undefined && holder !== process.pid && isAlive(holder)) {
      throw new DirectoryLockedError(directory, holder);
    }
    // Stale (dead holder, or unreadable): replace atomically, then check that we won any race.
    const tmp = `${path}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, content, { mode: 0o600 });
    fs.renameSync(tmp, path);
    const now = readPid(path);
    if (now !== process.pid) throw new DirectoryLockedError(directory, now ?? -1);
    heldHere.add(directory);
    return new DirLock(directory, holder);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    heldHere.delete(this.directory);
    const path = join(this.directory, LOCK_FILE);
    if (readPid(path) === process.pid) fs.rmSync(path, { force: true });
  }
}
