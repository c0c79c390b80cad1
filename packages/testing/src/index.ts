export {
  type BenchmarkRecords,
  createBenchmarkRecordGenerator,
} from './benchmark-record-generator';
export { type CorpusLine, corpusDir, loadCorpus } from './corpus';
export {
  CorpusRecordGenerator,
  type CorpusRecordGeneratorOptions,
} from './corpus-record-generator';
export { countDecodes } from './count-decodes';
export type { RawExportRequest } from './internal/decode-request';
export type { OtlpGrpcLogsReceiverOptions } from './otlp-grpc-logs-receiver';
export { decodeExportLogsServiceRequest, OtlpGrpcLogsReceiver } from './otlp-grpc-logs-receiver';
export { contextOf, otlpJsonLines, toLogRecord, toReadableLogRecords } from './record-conversions';
export {
  BODY_LENGTH,
  DEFAULT_LEVEL_MIX,
  type LevelMix,
  SyntheticRecordGenerator,
  type SyntheticRecordGeneratorOptions,
} from './synthetic-record-generator';
export { longMode, scaled, testModeBanner } from './test-mode';
export type {
  EmittableLogRecord,
  GeneratedLogRecord,
  ReceivedLogRecord,
  RecordGenerator,
  RecordGeneratorOptions,
} from './types';
