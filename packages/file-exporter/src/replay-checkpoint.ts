import { readFile, unlink } from 'node:fs/promises';
import { replaceFileAtomically } from './atomic-replace';
import type { ReplayPosition } from './replay-cursor';

/*
 * The replay checkpoint: one JSON line, replaced atomically after every acknowledged batch, so a
 * crash repeats at most the batch in flight. Layout in FORMAT.md, "Replay checkpoint":
 *
 *   {"version":1,"file":"svc-20260101-000000.zst","frame":3,"line":17,"record":0}
 */

const VERSION = 1;

/**
 * Reads a checkpoint written by {@link saveReplayCheckpoint}. A missing, unreadable or malformed
 * one means "from the start": never an error (replay then repeats, it never skips).
 */
export async function loadReplayCheckpoint(path: string): Promise<ReplayPosition | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const v = JSON.parse(text) as Partial<ReplayPosition> & { version?: unknown };
    if (
      v.version === VERSION &&
      typeof v.file === 'string' &&
      v.file !== '' &&
      [v.frame, v.line, v.record].every((n) => Number.isSafeInteger(n) && (n as number) >= 0)
    ) {
      return { file: v.file, frame: v.frame!, line: v.line!, record: v.record! };
    }
  } catch {}
  return undefined;
}

/** Writes the checkpoint atomically (see {@link replaceFileAtomically}). */
export async function saveReplayCheckpoint(path: string, position: ReplayPosition): Promise<void> {
  const { file, frame, line, record } = position;
  await replaceFileAtomically(
    path,
    `${JSON.stringify({ version: VERSION, file, frame, line, record })}\n`,
  );
}

/** Removes the checkpoint (nothing left to replay); a missing one is fine. */
export async function clearReplayCheckpoint(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
