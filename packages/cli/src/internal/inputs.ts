import { stat } from 'node:fs/promises';
import {
  compressedFilesOf,
  type FrameProblem,
  loadEncryptionKeyFile,
  type ReadFramesOptions,
} from '@spillway/file-exporter';
import { NoFilesError } from './no-files';

/** A file or directory argument resolved to its `.zst` files, with their total size. */
export interface Inputs {
  /** Each file with its size and its index's size (0 when missing). */
  files: Array<{ path: string; size: number; indexSize: number }>;
  totalBytes: number;
  /** What every reader of these files needs: the decryption keys, when a key file is given. */
  readOptions: Pick<ReadFramesOptions, 'encryption'>;
}

/** Where the keys come from: `--key-file`, else `SPILLWAY_ENCRYPTION_KEY_FILE`. */
export interface KeyFileOptions {
  keyFile?: string;
}

/** The help line of `--key-file`, the same in every command that reads files. */
export const KEY_FILE_HELP =
  'keys of encrypted files (64 hex digits, or <id>:<hex> lines); default $SPILLWAY_ENCRYPTION_KEY_FILE';

/**
 * The keys of `--key-file` or `SPILLWAY_ENCRYPTION_KEY_FILE` (none when neither is set). A key
 * file group or others can read is used, with a warning on stderr; a malformed one throws, naming
 * the file and line.
 */
export async function loadKeyFile(
  opts: KeyFileOptions = {},
): Promise<Awaited<ReturnType<typeof loadEncryptionKeyFile>> | undefined> {
  const path = opts.keyFile ?? process.env.SPILLWAY_ENCRYPTION_KEY_FILE;
  if (path === undefined || path === '') return undefined;
  const loaded = await loadEncryptionKeyFile(path);
  for (const w of loaded.warnings)
    process.stderr.write(`spillway: warning: ${w}
`);
  return loaded;
}

/** The reader options the keys of {@link loadKeyFile} give: none without a key file. */
export async function keyReadOptions(opts: KeyFileOptions = {}): Promise<Inputs['readOptions']> {
  const loaded = await loadKeyFile(opts);
  return loaded ? { encryption: { keys: loaded.keys } } : {};
}

/**
 * Resolves `pathOrDir` and loads the key file ({@link loadKeyFile}); throws an Error naming the
 * path when it cannot be read, and a {@link NoFilesError} when a directory holds no `.zst` file.
 */
export async function resolveInputs(pathOrDir: string, keys: KeyFileOptions = {}): Promise<Inputs> {
  const readOptions = await keyReadOptions(keys);
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
  return {
    files,
    totalBytes: files.reduce((n, f) => n + f.size, 0),
    readOptions,
  };
}

/** One line of stderr for a problem: kind, file, offset, details. */
export function describeProblem(p: FrameProblem): string {
  return `spillway: ${p.kind}: ${p.path} at offset ${p.offset}: ${p.message}`;
}

/** Whether a problem means data was skipped (an index problem loses nothing). */
export function lostData(p: FrameProblem): boolean {
  return p.kind !== 'index';
}
