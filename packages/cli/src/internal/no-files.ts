import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode } from './exit-codes';

/**
 * Thrown when a path holds no `.zst` file. The message says what the folder does hold and where
 * spillway's files are, because the usual cause is pointing at `SPILLWAY_DIR` instead of the
 * `files/` folder inside it.
 */
export class NoFilesError extends Error {
  readonly exitCode = ExitCode.NO_FILES;

  constructor(dir: string) {
    super(explain(dir));
    this.name = 'NoFilesError';
  }
}

function entriesOf(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function explain(dir: string): string {
  const entries = entriesOf(dir);
  const shown = entries.slice(0, 10).map((n) => (isDirectory(join(dir, n)) ? `${n}/` : n));
  const more = entries.length > shown.length ? `, and ${entries.length - shown.length} more` : '';
  const lines = [
    entries.length === 0
      ? `no .zst files in ${dir}: the folder is empty`
      : `no .zst files in ${dir}, which holds: ${shown.join(', ')}${more}`,
  ];
  // One level down is where they are when `dir` is a SPILLWAY_DIR (files/, and wal/ when it spills).
  const below = entries
    .filter((n) => isDirectory(join(dir, n)))
    .map((n) => ({ path: join(dir, n), zst: entriesOf(join(dir, n)).filter(isZst).length }))
    .filter((f) => f.zst > 0);
  for (const f of below)
    lines.push(`${count(f.zst, '.zst file')} in ${f.path}: spillway cat ${f.path}`);
  if (below.length === 0)
    lines.push(
      entries.includes('files') || entries.includes('wal')
        ? `${dir} looks like a SPILLWAY_DIR: its local files go to ${join(dir, 'files')} while the collector is unreachable, and none has been written yet`
        : 'local files are written to <SPILLWAY_DIR>/files (named <service.name>-<YYYYMMDD>-<HHMMSS>.zst) while the collector is unreachable',
    );
  return lines.join('\nspillway: ');
}

const isZst = (name: string) => name.endsWith('.zst');
const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
