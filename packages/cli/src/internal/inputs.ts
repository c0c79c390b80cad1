import { stat } from 'node:fs/promises';
import { compressedFilesOf, type FrameProblem } from '@spillway/file-exporter';
import { NoFilesError } from './no-files';

/** A file or directory argument resolved to its `.zst` files, with their total size. */
export interface Inputs {
  /** Each file with its size and its index's size (0 when missing). */
  files: Array<{ path: string; size: number; indexSize: number }>;
  totalBytes: number;
}

/**
 * Resolves `pathOrDir`; throws an Error naming the path when it cannot be read, and a
 * {@link NoFilesError} when a directory holds no `.zst` file.
 */
export async function resolveInputs(pathOrDir: string): Promise<Inputs> {
  let paths: string[];
  try {
    paths = await compressedFilesOf(pathOrDir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(
      `${pathOrDir}: ${code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`,
    );
  }
  if (paths.length === 0) throw new NoFilesError(pathOrDir);
  const files = [];
  for (const path of paths) {
    const size = (await stat(path)).size;
    const indexSize = await stat(`${path}.idx`).then(
      (s) => s.size,
      () => 0,
    );
    files.push({ path, size, indexSize });
  }
  return { files, totalBytes: files.reduce((n, f) => n + f.size, 0) };
}

/** One line of stderr for a problem: kind, file, offset, details. */
export function describeProblem(p: FrameProblem): string {
  return `spillway: ${p.kind}: ${p.path} at offset ${p.offset}: ${p.message}`;
}

/** Whether a problem means data was skipped (an index problem loses nothing). */
export function lostData(p: FrameProblem): boolean {
  return p.kind !== 'index';
}
