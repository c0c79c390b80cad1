import type { DiskBufferDropReason } from '../types';

/** A frame or payload that fails its checksum or does not parse. */
export class CorruptRecordError extends Error {
  override readonly name = 'CorruptRecordError';
}

/**
 * Why records whose WAL write, sync or segment creation failed are lost: `disk_full` when the
 * file system or the quota is full (ENOSPC, EDQUOT), `io_error` for any other failure (EIO, EROFS,
 * EBADF…, or a throw with no errno code). The operator's remedy differs: free space, or replace
 * a failing disk.
 */
export function writeFailureReason(
  err: unknown,
): Extract<DiskBufferDropReason, 'disk_full' | 'io_error'> {
  const code = (err as NodeJS.ErrnoException | null | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT' ? 'disk_full' : 'io_error';
}
