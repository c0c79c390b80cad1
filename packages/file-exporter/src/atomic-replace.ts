import * as fs from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

/** How {@link replaceFileAtomically} and {@link replaceFileAtomicallySync} write. */
export interface ReplaceFileOptions {
  /** File mode of the new file. Default 0o600. */
  mode?: number;
  /**
   * Fsync the file before the rename and the directory after it. Default true. False keeps the
   * atomicity (readers see the old content or the new) but not durability across a power loss:
   * for stores whose owner chose to run without fsync.
   */
  durable?: boolean;
}

// The pid keeps two processes replacing the same file from writing one temp file.
function tempOf(path: string): string {
  return `${path}.tmp-${process.pid}`;
}

/**
 * Replaces the small file `path` with `data` so that a crash at any point leaves either the old
 * content or the new, never a mix or nothing: write a temp file beside it, fsync it, rename it over
 * `path`, fsync the directory (without that last step the rename itself may not survive a power
 * loss). The temp file is `<path>.tmp-<pid>`, removed if any step fails; one left by a killed
 * process is the caller's to remove. For checkpoints and indexes; not for appending.
 */
export async function replaceFileAtomically(
  path: string,
  data: string | Uint8Array,
  options: ReplaceFileOptions = {},
): Promise<void> {
  const { mode = 0o600, durable = true } = options;
  const tmp = tempOf(path);
  try {
    const fh = await open(tmp, 'w', mode);
    try {
      await fh.writeFile(data);
      if (durable) await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (error) {
    await unlink(tmp).catch(() => {});
    throw error;
  }
  if (!durable) return;
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/**
 * {@link replaceFileAtomically} for callers that must not yield (a lock taken while a constructor
 * runs): the same steps, the same temp name and guarantees, blocking.
 */
export function replaceFileAtomicallySync(
  path: string,
  data: string | Uint8Array,
  options: ReplaceFileOptions = {},
): void {
  const { mode = 0o600, durable = true } = options;
  const tmp = tempOf(path);
  try {
    const fd = fs.openSync(tmp, 'w', mode);
    try {
      fs.writeFileSync(fd, data);
      if (durable) fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, path);
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    throw error;
  }
  if (!durable) return;
  const dir = fs.openSync(dirname(path), 'r');
  try {
    fs.fsyncSync(dir);
  } finally {
    fs.closeSync(dir);
  }
}
