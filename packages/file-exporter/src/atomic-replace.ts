import { open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Replaces the small file `path` with `data` so that a crash at any point leaves either the old
 * content or the new, never a mix or nothing: write a temp file beside it, fsync it, rename it over
 * `path`, fsync the directory (without that last step the rename itself may not survive a power
 * loss). The temp file is `<path>.tmp-<pid>`, removed if any step fails. For checkpoints and
 * indexes; not for appending.
 */
export async function replaceFileAtomically(
  path: string,
  data: string | Uint8Array,
  mode = 0o600,
): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    const fh = await open(tmp, 'w', mode);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (error) {
    await unlink(tmp).catch(() => {});
    throw error;
  }
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
