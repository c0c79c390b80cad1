import {
  accessSync,
  closeSync,
  constants,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  rmSync,
  statfsSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { InspectWalOptions } from '@spillway/disk-buffer';
import type { Check } from './doctor-check';
import { checkSlots } from './doctor-slots';

/** What `spillway doctor` checks about the data directory. */
export interface DirectoryCheckOptions {
  directory: string;
  minFreeBytes: number;
  maxDiskBytes: number;
  /** Create a missing directory (0700, as the app would) and prove it writable with a probe file. */
  create: boolean;
  /** Keys of an encrypted WAL (`SPILLWAY_ENCRYPTION_KEY_FILE`): the oldest pending record's age. */
  encryption?: InspectWalOptions['encryption'];
}

/**
 * Checks SPILLWAY_DIR: writable (or creatable), free space, each WAL slot (owner, pending records,
 * oldest pending, damage), the backlog. Without
 * `create` nothing on disk changes: a missing directory is judged by its nearest existing parent.
 */
export async function checkDirectory(options: DirectoryCheckOptions): Promise<Check[]> {
  const { directory: dir, create } = options;
  const writable = create ? createAndProbe(dir) : checkWritable(dir);
  if (writable.level === 'problem') return [writable];
  const checks: Check[] = [writable];
  const existing = nearestExisting(dir);
  if (existing === dir) {
    const mode = statSync(dir).mode & 0o777;
    if (mode & 0o077)
      checks.push({
        level: 'info',
        text: `directory mode ${mode.toString(8)}: spillway creates 0700; others can read your logs here`,
      });
  }

  const fs = statfsSync(existing);
  const free = fs.bavail * fs.bsize;
  const enough = free >= options.minFreeBytes;
  checks.push({
    level: enough ? 'ok' : 'problem',
    text: `free space ${size(free)} ${enough ? '≥' : '<'} SPILLWAY_MIN_FREE_BYTES ${size(options.minFreeBytes)}${enough ? '' : ': new records would be dropped'}`,
  });

  checks.push(...(await checkSlots(join(dir, 'wal'), options.encryption)));

  const wal = du(join(dir, 'wal'));
  const files = du(join(dir, 'files'));
  const total = wal.bytes + files.bytes;
  checks.push({
    level: total <= options.maxDiskBytes ? 'ok' : 'problem',
    text: `backlog: ${size(total)} of SPILLWAY_MAX_DISK_BYTES ${size(options.maxDiskBytes)} (write-ahead log ${size(wal.bytes)} in ${wal.files} files, local files ${size(files.bytes)} in ${files.files} files${files.zst > 0 ? `; read them with: spillway cat ${join(dir, 'files')}` : ''})`,
  });
  return checks;
}

/** The directory itself when it exists, else its closest existing ancestor. */
function nearestExisting(dir: string): string {
  let d = dir;
  for (;;) {
    try {
      statSync(d);
      return d;
    } catch {
      const up = dirname(d);
      if (up === d) return d;
      d = up;
    }
  }
}

function checkWritable(dir: string): Check {
  const existing = nearestExisting(dir);
  if (!statSync(existing).isDirectory())
    return {
      level: 'problem',
      text: `directory ${dir}: not writable: ${existing} is not a directory (ENOTDIR)`,
    };
  try {
    accessSync(existing, constants.W_OK | constants.X_OK);
  } catch (e) {
    return { level: 'problem', text: `directory ${dir}: not writable: ${(e as Error).message}` };
  }
  return {
    level: 'ok',
    text:
      existing === dir
        ? `directory ${dir}: writable`
        : `directory ${dir}: writable (does not exist yet: the app creates it at start, mode 0700, in ${existing}; spillway doctor --create creates it now)`,
  };
}

function createAndProbe(dir: string): Check {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const probe = join(dir, `.doctor-${process.pid}`);
    const fd = openSync(probe, 'w', 0o600);
    try {
      writeSync(fd, 'spillway doctor probe\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
      rmSync(probe, { force: true });
    }
  } catch (e) {
    return { level: 'problem', text: `directory ${dir}: not writable: ${(e as Error).message}` };
  }
  return {
    level: 'ok',
    text: `directory ${dir}: writable (--create: created if missing; probe file written, fsynced, removed)`,
  };
}

function du(dir: string): { bytes: number; files: number; zst: number } {
  const acc = { bytes: 0, files: 0, zst: 0 };
  let names: string[];
  try {
    names = readdirSync(dir, { recursive: true }) as string[];
  } catch {
    return acc;
  }
  for (const n of names) {
    try {
      const st = statSync(join(dir, n));
      if (!st.isFile()) continue;
      acc.bytes += st.size;
      acc.files++;
      if (n.endsWith('.zst')) acc.zst++;
    } catch {
      // Deleted while we looked (a live app delivering): not a problem.
    }
  }
  return acc;
}

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = -1;
  do {
    v /= 1024;
    u++;
  } while (v >= 1024 && u < units.length - 1);
  return `${v.toFixed(1)} ${units[u]}`;
}
