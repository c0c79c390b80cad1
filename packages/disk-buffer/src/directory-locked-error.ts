import { hostname } from 'node:os';

/**
 * Thrown by the `DiskBufferedLogRecordExporter` constructor when another live process (or another
 * instance in this process) holds the buffer directory. Two writers on one WAL would corrupt it.
 * A lock written on another host (a shared volume) is honoured while its holder keeps refreshing
 * it, and taken over once it has not been refreshed for 30 s.
 */
export class DirectoryLockedError extends Error {
  override readonly name = 'DirectoryLockedError';

  constructor(
    readonly directory: string,
    /** The pid written in the lock file by its holder. */
    readonly holderPid: number,
    /** The hostname written in the lock file, when it names one. */
    readonly holderHost?: string,
  ) {
    super(
      `buffer directory ${directory} is locked by process ${holderPid}` +
        (holderHost ? ` on host ${holderHost}` : '') +
        (holderPid === process.pid && (holderHost ?? hostname()) === hostname()
          ? ' (this process: another exporter uses it)'
          : ''),
    );
  }
}
