import { statfs, unlink } from 'node:fs/promises';
import { listCompressedFiles } from '../compressed-files';
import type { CompressedFileEntry } from '../types';
import { loadFrameTable } from './frame-table';

export type DeleteReason = 'max_age' | 'max_total_bytes' | 'min_free_bytes';

export interface Deletion {
  reason: DeleteReason;
  path: string;
  bytes: number;
  records: number;
}

export interface RetentionPolicy {
  maxAgeMs: number;
  maxTotalBytes: number;
  minFreeBytes: number;
}

/** Free bytes for unprivileged writers on the file system of `dir`. */
export async function freeBytes(dir: string): Promise<number> {
  const s = await statfs(dir);
  return Number(s.bavail) * Number(s.bsize);
}

/** Called before retention deletes a file (the hash chain records it in its ledger). */
export type BeforeDelete = (path: string, reason: DeleteReason) => Promise<void>;

async function remove(
  f: CompressedFileEntry,
  reason: DeleteReason,
  beforeDelete?: BeforeDelete,
): Promise<Deletion> {
  await beforeDelete?.(f.path, reason);
  let records = 0;
  try {
    // Records lost are counted from the index (or a header scan): no decompression needed.
    for (const fr of (await loadFrameTable(f.path)).frames) records += fr.records;
  } catch {}
  await unlink(f.path).catch(() => {});
  await unlink(`${f.path}.idx`).catch(() => {});
  return { reason, path: f.path, bytes: f.size + f.indexSize, records };
}

/**
 * Deletes the directory's `.zst` files (never `keep`, the file being written), oldest first: those
 * older than `maxAgeMs` (by last modification), then while the directory exceeds `maxTotalBytes`,
 * then while the file system has fewer than `minFreeBytes + needBytes` free.
 */
export async function enforceRetention(
  dir: string,
  policy: RetentionPolicy,
  nowMs: number,
  keep: string | undefined,
  needBytes = 0,
  beforeDelete?: BeforeDelete,
): Promise<Deletion[]> {
  const all = await listCompressedFiles(dir);
  const deletions: Deletion[] = [];
  let total = all.reduce((n, f) => n + f.size + f.indexSize, 0);
  const candidates = all.filter((f) => f.path !== keep);
  const left: CompressedFileEntry[] = [];
  for (const f of candidates) {
    if (nowMs - f.mtimeMs > policy.maxAgeMs) {
      deletions.push(await remove(f, 'max_age', beforeDelete));
      total -= f.size + f.indexSize;
    } else {
      left.push(f);
    }
  }
  while (total > policy.maxTotalBytes && left.length > 0) {
    const f = left.shift()!;
    deletions.push(await remove(f, 'max_total_bytes', beforeDelete));
    total -= f.size + f.indexSize;
  }
  if (policy.minFreeBytes > 0 || needBytes > 0) {
    let free = await freeBytes(dir);
    while (free < policy.minFreeBytes + needBytes && left.length > 0) {
      const f = left.shift()!;
      deletions.push(await remove(f, 'min_free_bytes', beforeDelete));
      free = await freeBytes(dir);
    }
  }
  return deletions;
}
