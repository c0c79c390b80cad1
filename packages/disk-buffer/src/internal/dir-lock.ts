import * as fs from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isProcessAlive, replaceFileAtomicallySync } from '@spillway/file-exporter';
import { DirectoryLockedError } from '../directory-locked-error';
import { displaceIfNotFile } from './directory-listing';

/*
 * One process per buffer directory: a `lock` file holding "<pid>\n<hostname>\n" of the owner,
 * whose mtime the owner refreshes every HEARTBEAT_MILLIS.
 *
 *   same host, pid alive        refused (DirectoryLockedError); a reused pid looks alive too,
 *                               which errs on the side of never sharing a WAL
 *   same host, pid dead         taken over (the owner crashed)
 *   other host (shared volume)  a pid means nothing here: refused while the heartbeat is fresh
 *                               (mtime < FOREIGN_STALE_MILLIS old), then taken over with a warning
 *   unreadable, or not a file   taken over (a non-file is moved aside, never deleted)
 *
 * A stale lock is replaced only by the process that creates `lock.takeover` (O_EXCL) first;
 * the others are refused, as by a live holder.
 */

const LOCK_FILE = 'lock';
export const HEARTBEAT_MILLIS = 5_000;
/** Six missed heartbeats: the other host's process is gone (clocks assumed within a few seconds). */
export const FOREIGN_STALE_MILLIS = 30_000;
const heldHere = new Set<string>();

/** What a lock file says: its owner, and how long ago the owner last refreshed it. */
export interface Holder {
  pid: number | undefined;
  host: string | undefined;
  ageMillis: number;
}

export function readHolder(path: string): Holder {
  try {
    const [pidLine, hostLine] = fs.readFileSync(path, 'utf8').split('\n');
    const pid = Number.parseInt(pidLine ?? '', 10);
    return {
      pid: Number.isInteger(pid) && pid > 0 ? pid : undefined,
      host: hostLine?.trim() || undefined,
      ageMillis: Date.now() - fs.statSync(path).mtimeMs,
    };
  } catch {
    return { pid: undefined, host: undefined, ageMillis: Number.POSITIVE_INFINITY };
  }
}

/**
 * Creates the takeover guard (O_EXCL) or throws DirectoryLockedError naming the process taking
 * the lock over right now. A guard left by a process that died mid-takeover (dead pid here, or
 * as old as a stale lock) is removed, and this attempt refused: the next one may take the lock.
 */
function takeGuard(directory: string, guard: string, content: string): void {
  try {
    fs.writeFileSync(guard, content, { flag: 'wx', mode: 0o600 });
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const other = readHolder(guard);
  const foreign = other.host !== undefined && other.host !== hostname();
  // No pid yet may be a guard being written this instant: only an old one is abandoned.
  const dead =
    other.pid === undefined
      ? other.ageMillis >= HEARTBEAT_MILLIS
      : foreign
        ? other.ageMillis >= FOREIGN_STALE_MILLIS
        : !isProcessAlive(other.pid);
  if (dead) fs.rmSync(guard, { force: true });
  throw new DirectoryLockedError(directory, other.pid ?? -1, other.host);
}

export class DirLock {
  private released = false;
  private readonly heartbeat: NodeJS.Timeout;

  private constructor(
    readonly directory: string,
    /** Where a `lock` that was not a file was moved, if one was. */
    readonly displaced: string | undefined,
    /** Why another host's lock was taken over, for a warning; undefined if none was. */
    readonly takeover: string | undefined,
  ) {
    const path = join(directory, LOCK_FILE);
    this.heartbeat = setInterval(() => {
      try {
        const now = new Date();
        fs.utimesSync(path, now, now);
      } catch {
        // Removed underneath: the next start treats the directory as unlocked, as it is.
      }
    }, HEARTBEAT_MILLIS);
    this.heartbeat.unref();
  }

  /**
   * True when a live process other than this one would make {@link acquire} refuse the lock,
   * by the same rules, without taking it: for choosing which directory to try.
   */
  static heldByOther(directory: string): boolean {
    if (heldHere.has(directory)) return false;
    const holder = readHolder(join(directory, LOCK_FILE));
    if (holder.pid === undefined) return false;
    if (holder.host !== undefined && holder.host !== hostname())
      return holder.ageMillis < FOREIGN_STALE_MILLIS;
    return holder.pid !== process.pid && isProcessAlive(holder.pid);
  }

  /** Takes the lock or throws {@link DirectoryLockedError} naming the live holder. */
  static acquire(directory: string): DirLock {
    const path = join(directory, LOCK_FILE);
    const host = hostname();
    const content = `${process.pid}\n${host}\n`;
    if (heldHere.has(directory)) throw new DirectoryLockedError(directory, process.pid, host);
    const moved = displaceIfNotFile(path);
    try {
      fs.writeFileSync(path, content, { flag: 'wx', mode: 0o600 });
      heldHere.add(directory);
      return new DirLock(directory, moved, undefined);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = readHolder(path);
    const sameHost = holder.host === undefined || holder.host === host;
    let takeover: string | undefined;
    if (holder.pid !== undefined && !sameHost) {
      if (holder.ageMillis < FOREIGN_STALE_MILLIS) {
        throw new DirectoryLockedError(directory, holder.pid, holder.host);
      }
      takeover =
        `lock of process ${holder.pid} on host ${holder.host} taken over: ` +
        `not refreshed for ${Math.round(holder.ageMillis / 1000)} s`;
    } else if (
      holder.pid !== undefined &&
      holder.pid !== process.pid &&
      isProcessAlive(holder.pid)
    ) {
      throw new DirectoryLockedError(directory, holder.pid, holder.host);
    }
    // Stale (dead holder, or unreadable). Processes starting together (cluster workers after a
    // crash) all see it stale: only the one that creates the guard replaces it, atomically.
    takeGuard(directory, `${path}.takeover`, content);
    try {
      // Through `lock.tmp-<pid>`: a crash here leaves the old lock or ours, never an empty one.
      replaceFileAtomicallySync(path, content);
      const now = readHolder(path);
      if (now.pid !== process.pid || now.host !== host) {
        throw new DirectoryLockedError(directory, now.pid ?? -1, now.host);
      }
    } finally {
      fs.rmSync(`${path}.takeover`, { force: true });
    }
    heldHere.add(directory);
    return new DirLock(directory, moved, takeover);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    clearInterval(this.heartbeat);
    heldHere.delete(this.directory);
    const path = join(this.directory, LOCK_FILE);
    const holder = readHolder(path);
    if (holder.pid === process.pid && holder.host === hostname()) fs.rmSync(path, { force: true });
  }
}
