export {
  type ReplaceFileOptions,
  replaceFileAtomically,
  replaceFileAtomicallySync,
} from './atomic-replace';
export { CompressedFileWriter, DEFAULT_FRAME_BYTES } from './compressed-file-writer';
export {
  compressedFileName,
  listCompressedFiles,
  parseCompressedFileName,
  sanitizeServiceName,
} from './compressed-files';
export {
  type EncryptionKeyFile,
  loadEncryptionKeyFile,
  loadEncryptionKeyFileSync,
} from './encryption-keys';
export {
  type FollowFramesOptions,
  type FollowPosition,
  followFrames,
  followPositionOf,
  type ReadFramesBackwardOptions,
  readFramesBackward,
} from './follow-frames';
export {
  createReadStats,
  frameMatches,
  readFrames,
  readFrameTable,
  rebuildFrameIndex,
} from './frame-reader';
export {
  isKeyProblem,
  SYNC_CIPHER,
  type SyncDecryptResult,
  SyncFrameCipher,
} from './internal/frame-cipher-sync';
export {
  compressedFilesOf,
  readLogRecordBatches,
  readLogRecords,
  readLogsDataLines,
  unparsableLineProblem,
} from './log-record-reader';
export { isProcessAlive } from './process-alive';
export {
  effectiveSeverity,
  metadataOfLogsData,
  metadataOfRecords,
} from './record-metadata';
export {
  clearReplayCheckpoint,
  loadReplayCheckpoint,
  saveReplayCheckpoint,
} from './replay-checkpoint';
export type {
  ReplayBatch,
  ReplayCursor,
  ReplayCursorOptions,
  ReplayPosition,
} from './replay-cursor';
export { openReplayCursor } from './replay-cursor';
export type {
  ChainOptions,
  CompressedFileEntry,
  CompressedFileName,
  CompressedFileWriterOptions,
  DecodedFrame,
  DeletedCounts,
  EncryptionKey,
  EncryptionOptions,
  FrameInfo,
  FrameProblem,
  FrameTable,
  LinesMetadata,
  ReadFramesOptions,
  ReadLogRecordsOptions,
  ReadStats,
  TimeBound,
  ZstdFileDropReason,
  ZstdFileExporterOptions,
  ZstdFileExporterStats,
} from './types';
export type { VerifyOptions, VerifyReport } from './verify-compressed-file';
export { verifyCompressedFile } from './verify-compressed-file';
export type { HashChainReport } from './verify-hash-chain';
export { verifyHashChain } from './verify-hash-chain';
export {
  DEFAULT_ZSTD_LEVEL,
  zstdCompress,
  zstdDecompress,
  zstdImplementation,
} from './zstd-codec';
export {
  isZstdFileLogRecordExporter,
  ZstdFileLogRecordExporter,
} from './zstd-file-log-record-exporter';
