export { DirectoryLockedError } from './directory-locked-error';
export { DiskBufferedLogRecordExporter } from './disk-buffered-log-record-exporter';
export { encodedPayloadsOf } from './encoded-payloads';
export {
  type OtlpTranscodedRequest,
  type TranscodeOptions,
  transcodeToOtlpRequest,
} from './internal/otlp-transcoder';
export {
  decodeLogRecordBatch,
  decodeLogRecordBatches,
  encodeLogRecordBatch,
} from './record-batch-codec';
export { SlottedDiskBufferedLogRecordExporter } from './slotted-disk-buffered-log-record-exporter';
export {
  type StoredBatchLogRecordExporter,
  type StoredLogRecordBatch,
  storedLogRecordBatch,
  takesStoredBatches,
} from './stored-batch';
export type {
  DiskBufferDropReason,
  DiskBufferDrops,
  DiskBufferedLogRecordExporterOptions,
  DiskBufferOptions,
  DiskBufferStats,
  FsyncPolicy,
  RetryOptions,
  SlottedDiskBufferOptions,
  WhenFull,
} from './types';
export type {
  InspectWalOptions,
  PendingWalBatch,
  WalFileInspection,
  WalLockOwner,
  WalProblem,
  WalSlotInspection,
} from './wal-inspect';
export { inspectWal, readPendingWalRecords } from './wal-inspect';
