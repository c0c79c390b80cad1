import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The queue byte budget without a memory limit to follow. */
export const DEFAULT_QUEUE_BYTES = 64 * 2 ** 20;
/**
 * The smallest queue byte budget, derived or set (`SPILLWAY_MAX_QUEUE_BYTES`): it holds a full
 * default batch (512 records) of 2 KiB records, so a burst still fills a batch instead of turning
 * into `queue_full` drops.
 */
export const MIN_QUEUE_BYTES = 2 ** 20;
// 5% of the container's memory: the queue is a burst absorber, not a store (the WAL is), and a
// 256 MiB pod must keep room for the app itself. 5% of 1.25 GiB reaches the 64 MiB ceiling.
const SHARE_OF_LIMIT = 0.05;
// cgroup v1 reports "no limit" as a page-rounded LONG_MAX; anything above 2^60 means none.
const UNLIMITED_V1 = 2 ** 60;

/**
 * The memory limit of this process's cgroup in bytes, or undefined when none is set: cgroup v2
 * `<root>/memory.max` ("max" = none), else v1 `<root>/memory/memory.limit_in_bytes`.
 */
export function readCgroupMemoryLimit(root = '/sys/fs/cgroup'): number | undefined {
  const v2 = readTrimmed(join(root, 'memory.max'));
  if (v2 !== undefined) return /^\d+$/.test(v2) ? Number(v2) : undefined;
  const v1 = readTrimmed(join(root, 'memory', 'memory.limit_in_bytes'));
  if (v1 !== undefined && /^\d+$/.test(v1)) {
    const n = Number(v1);
    return n < UNLIMITED_V1 ? n : undefined;
  }
  return undefined;
}

/** The default processor queue byte budget: 5% of the cgroup limit, within 1–64 MiB. */
export function queueBytesForLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_QUEUE_BYTES;
  return Math.min(
    DEFAULT_QUEUE_BYTES,
    Math.max(MIN_QUEUE_BYTES, Math.floor(limit * SHARE_OF_LIMIT)),
  );
}

function readTrimmed(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}
