/**
 * Thrown by the `DiskBufferedLogRecordExporter` constructor when another live process (or another
 * instance in this process) holds the buffer directory. Two writers on one WAL would corrupt it.
 */
export class DirectoryLockedError extends Error {
  override readonly name = 'DirectoryLockedError';

  constructor(
    readonly directory: string,
    /** The pid written in the lock file by its holder. */
    readonly holderPid: number,
  ) {
    super(
      `buffer directory ${directory} is locked by process ${holderPid}` +
        (holderPid === process.pid ? ' (this process: another exporter uses it)' : ''),
    );
  }
}
