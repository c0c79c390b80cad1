import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';

/**
 * Thrown when a path named like one of our files is not a regular file (a directory, a FIFO, a
 * socket, a device) or cannot be opened for a reason other than its absence (a symlink loop, no
 * permission). Readers turn it into an `unreadable` problem and go on.
 */
export class NotReadableFileError extends Error {
  override readonly name = 'NotReadableFileError';
}

function kindOf(st: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean }): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Opens `path` for reading only if it is a regular file. O_NONBLOCK keeps the open of a FIFO from
 * waiting for a writer forever (it has no effect on regular files); fstat on the open handle
 * decides, so a file swapped in between cannot slip through. ENOENT is rethrown as is (a file
 * deleted by retention is gone, not damaged).
 */
export async function openRegularFile(path: string): Promise<FileHandle> {
  let fh: FileHandle;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw err;
    throw new NotReadableFileError(`${path}: cannot be opened (${code ?? (err as Error).message})`);
  }
  const st = await fh.stat();
  if (!st.isFile()) {
    await fh.close();
    throw new NotReadableFileError(`${path}: ${kindOf(st)}, not a file`);
  }
  return fh;
}

/** The bytes of a regular file, or undefined when it is missing or not a readable regular file. */
export async function readRegularFile(path: string): Promise<Buffer | undefined> {
  let fh: FileHandle;
  try {
    fh = await openRegularFile(path);
  } catch {
    return undefined;
  }
  try {
    return await fh.readFile();
  } catch {
    return undefined;
  } finally {
    await fh.close();
  }
}
