import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Creates `path` and its missing parents (`mkdir -p`, new ones with `mode`), failing with the real
 * cause. Node's recursive `mkdirSync` reports ENOENT when a missing directory cannot be created
 * because the file system is read-only (EROFS) or not writable (EACCES); a user told "no such file
 * or directory" looks for a typo. So on ENOENT the first missing directory is created on its own,
 * which fails with the true code.
 */
export function makeDirectorySync(path: string, mode = 0o700): void {
  try {
    mkdirSync(path, { recursive: true, mode });
    return;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  let missing = resolve(path);
  for (let parent = dirname(missing); parent !== missing && !existsSync(parent); ) {
    missing = parent;
    parent = dirname(missing);
  }
  mkdirSync(missing, { mode });
  // Created after all (a race with another creator): the rest may now succeed, or fail for itself.
  mkdirSync(path, { recursive: true, mode });
}
