export { CompressedFileWriter, DEFAULT_FRAME_BYTES } from './compressed-file-writer';
export {
  compressedFileName,
  listCompressedFiles,
  parseCompressedFileName,
  sanitizeServiceName,
} from './compressed-files';
export {
  createReadStats,
  frameMatches,
  readFrames,
  readFrameTable,
  rebuildFrameIndex,
} from './frame-reader';
export {
  compressedFilesOf,
  readLogRecordBatches,
  readLogRecords,
  readLogsDataLines,
} from './log-record-reader';
export {
  effectiveSeverity,
  metadataOfLogsData,
  metadataOfRecords,
} from './record-metadata';
export type {
  CompressedFileEntry,
  CompressedFileWriterOptions,
  DecodedFrame,
  DeletedCounts,
  FrameInfo,
  FrameProblem,
  FrameTable,
  LinesMetadata,
  ReadFramesOptions,
  ReadLogRecordsOptions,
  ReadStats,
  TimeBound,
  ZstdFileExporterOptions,
  ZstdFileExporterStats,
} from './types';
export type { VerifyReport } from './verify-compressed-file';
export { verifyCompressedFile } from './verify-compressed-file';
export {
  DEFAULT_ZSTD_LEVEL,
  zstdCompress,
  zstdDecompress,
  zstdImplementation,
} from './zstd-codec';
export { ZstdFileLogRecordExporter } from './zstd-file-log-record-exporter';
