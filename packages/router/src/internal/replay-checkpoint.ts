import { open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Where replay resumes: the next record to send is record `record` of line `line` of frame
 * `frame` of file `file` (a name in the fallback directory). Persisted after each batch the
 * primary acknowledged, so a crash repeats at most the batch in flight.
 *
 *   {"version":1,"file":"svc-20260101-000000.zst","frame":3,"line":17,"record":0}
 */
export interface ReplayPosition {
  file: string;
  frame: number;
  line: number;
  record: number;
}

const VERSION = 1;

/** Reads the checkpoint; a missing or unreadable one means "from the start" (never an error). */
export async function loadCheckpoint(path: string): Promise<ReplayPosition | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const v = JSON.parse(text) as Partial<ReplayPosition> & { version?: number };
    if (
      v.version === VERSION &&
      typeof v.file === 'string' &&
      [v.frame, v.line, v.record].every((n) => Number.isInteger(n) && (n as number) >= 0)
    ) {
      return { file: v.file, frame: v.frame!, line: v.line!, record: v.record! };
    }
  } catch {}
  return undefined;
}

/** Writes the checkpoint atomically: temp file, fsync, rename, fsync of the directory. */
export async function saveCheckpoint(path: string, pos: ReplayPosition): Promise<void> {
  const tmp = `${path}.tmp`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(`${JSON.stringify({ version: VERSION, ...pos })}\n`);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** Removes the checkpoint (nothing left to replay). */
export async function clearCheckpoint(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
