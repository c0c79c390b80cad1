import { readFile } from 'node:fs/promises';
import { replaceFileAtomically } from '@spillway/file-exporter';

/*
 * The resumable position of `spillway replay --checkpoint <file>`, as JSON:
 *
 *   {"version":1,"filter":{"since":"…","until":null,"minSeverity":null,"traceId":null},
 *    "files":{"/abs/path/shop-20260101-000000.zst":1500, …}}
 *
 * `files` maps each file (absolute path) to the number of its matching records the collector has
 * acknowledged, in file order: a re-run skips that many matching records of the file. It is
 * replaced after every acknowledged batch, so a crash repeats at most the batch in flight.
 */

/** The filters a checkpoint was written with: a re-run with others would skip the wrong records. */
export interface ReplayFilter {
  since: string | null;
  until: string | null;
  minSeverity: number | null;
  traceId: string | null;
}

export interface ReplayCheckpoint {
  filter: ReplayFilter;
  files: Record<string, number>;
}

const VERSION = 1;

/**
 * The checkpoint at `path`; undefined when there is none yet. Throws an Error naming the file
 * when it exists but is not a checkpoint (never silently starts over: that would resend all).
 */
export async function loadReplayCheckpoint(path: string): Promise<ReplayCheckpoint | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`checkpoint ${path}: ${(err as Error).message}`);
  }
  let v: { version?: unknown; filter?: unknown; files?: unknown };
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new Error(
      `checkpoint ${path} is not JSON (${(err as Error).message}): remove it to start over`,
    );
  }
  const files = v.files as Record<string, unknown> | undefined;
  const valid =
    v.version === VERSION &&
    typeof v.filter === 'object' &&
    v.filter !== null &&
    typeof files === 'object' &&
    files !== null &&
    Object.values(files).every((n) => Number.isSafeInteger(n) && (n as number) >= 0);
  if (!valid)
    throw new Error(
      `checkpoint ${path} is not a replay checkpoint of version ${VERSION}: remove it to start over`,
    );
  return { filter: v.filter as ReplayFilter, files: files as Record<string, number> };
}

/** Replaces the checkpoint atomically (see `replaceFileAtomically` of @spillway/file-exporter). */
export async function saveReplayCheckpoint(path: string, cp: ReplayCheckpoint): Promise<void> {
  await replaceFileAtomically(path, `${JSON.stringify({ version: VERSION, ...cp })}\n`);
}

/** Whether two filters select the same records. */
export function sameFilter(a: ReplayFilter, b: ReplayFilter): boolean {
  return (
    a.since === b.since &&
    a.until === b.until &&
    a.minSeverity === b.minSeverity &&
    a.traceId === b.traceId
  );
}
