import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { sanitizeServiceName } from '@spillway/record-format';
import type { CompressedFileEntry, CompressedFileName, FrameProblem } from './types';

// Counters and seqs are written without leading zeros; a name with them is not one of ours.
const NAME =
  /^(.+)-(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})(?:-([1-9]\d*))?(?:\.spill-([1-9]\d*))?\.zst$/;

// The one sanitizer, shared with the default data directory that @spillway/config derives.
export { sanitizeServiceName };

/**
 * `<service>-<YYYYMMDD>-<HHMMSS>[-<n>][.spill-<seq>].zst` for a time (UTC), a collision counter
 * `n` ≥ 1 (0: none) and, for a disk buffer spill file, the WAL seq ≥ 1 it was spilled from. The
 * time must lie in years 0000–9999 (a four-digit year).
 */
export function compressedFileName(
  service: string,
  timeMs: number,
  n = 0,
  spillSeq?: number,
): string {
  const iso = new Date(timeMs).toISOString(); // 2026-01-02T03:04:05.678Z
  const stamp = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
  const spill = spillSeq === undefined ? '' : `.spill-${spillSeq}`;
  return `${sanitizeServiceName(service)}-${stamp}${n > 0 ? `-${n}` : ''}${spill}.zst`;
}

/**
 * The service, UTC time, counter and spill seq a file name encodes, or undefined when it does not
 * follow the naming scheme (then readers order the file by its modification time). Never throws:
 * an impossible date (`20260230`), a counter or seq past 2^53 or with a leading zero is not ours.
 */
export function parseCompressedFileName(name: string): CompressedFileName | undefined {
  const m = NAME.exec(name);
  if (!m) return undefined;
  const [, service, y, mo, d, h, mi, s, n, spillSeq] = m;
  const createdAt = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`);
  // Date rolls 02-30 over to 03-02: only a time that prints back as written is the name's time.
  if (Number.isNaN(createdAt.getTime())) return undefined;
  if (createdAt.toISOString() !== `${y}-${mo}-${d}T${h}:${mi}:${s}.000Z`) return undefined;
  const parsed: CompressedFileName = { service: service!, createdAt, n: n ? Number(n) : 0 };
  if (!Number.isSafeInteger(parsed.n)) return undefined;
  if (spillSeq !== undefined) {
    parsed.spillSeq = Number(spillSeq);
    if (!Number.isSafeInteger(parsed.spillSeq)) return undefined;
  }
  return parsed;
}

/**
 * The `.zst` files of a directory, oldest first: by the time in their name, then its counter, then
 * its spill seq (a disk buffer's spills of one second in WAL order); files whose name does not
 * follow the scheme by modification time. Sizes included, sidecars counted.
 * An entry named `*.zst` that is not a regular file (a directory, a FIFO, a symlink loop) is left
 * out and reported to `onProblem` (kind `unreadable`), never opened.
 */
export async function listCompressedFiles(
  dir: string,
  options: { onProblem?: (problem: FrameProblem) => void } = {},
): Promise<CompressedFileEntry[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.zst'));
  const entries: Array<CompressedFileEntry & { sortKey: number; n: number; seq: number }> = [];
  for (const name of names) {
    const path = join(dir, name);
    let st: Awaited<ReturnType<typeof stat>>;
    try {
      st = await stat(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // ENOENT: deleted meanwhile (retention of a live exporter), not a problem.
      if (code !== 'ENOENT') unreadable(path, `cannot be looked at (${code})`, options);
      continue;
    }
    if (!st.isFile()) {
      unreadable(
        path,
        `${st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a FIFO' : 'a special file'}, not a file: skipped`,
        options,
      );
      continue;
    }
    let indexSize = 0;
    try {
      indexSize = (await stat(`${path}.idx`)).size;
    } catch {}
    const parsed = parseCompressedFileName(name);
    const e: CompressedFileEntry & { sortKey: number; n: number; seq: number } = {
      path,
      name,
      size: st.size,
      indexSize,
      mtimeMs: st.mtimeMs,
      sortKey: parsed ? parsed.createdAt.getTime() : st.mtimeMs,
      n: parsed?.n ?? 0,
      seq: parsed?.spillSeq ?? 0,
    };
    if (parsed) {
      e.service = parsed.service;
      e.createdAt = parsed.createdAt;
      if (parsed.spillSeq !== undefined) e.spillSeq = parsed.spillSeq;
    }
    entries.push(e);
  }
  entries.sort(
    (a, b) => a.sortKey - b.sortKey || a.n - b.n || a.seq - b.seq || a.name.localeCompare(b.name),
  );
  return entries.map(({ sortKey: _k, n: _n, seq: _s, ...e }) => e);
}

function unreadable(
  path: string,
  message: string,
  options: { onProblem?: (problem: FrameProblem) => void },
): void {
  options.onProblem?.({
    kind: 'unreadable',
    path,
    offset: 0,
    length: 0,
    records: 0,
    message: `${path}: ${message}`,
  });
}
