export { type CorpusLine, corpusDir, loadCorpus } from './corpus';
export type { OtlpGrpcLogsReceiverOptions } from './otlp-grpc-logs-receiver';
export { OtlpGrpcLogsReceiver } from './otlp-grpc-logs-receiver';
export type {
  EmittableLogRecord,
  GeneratedLogRecord,
  RecordGeneratorOptions,
} from './record-generator';
export {
  CorpusRecordGenerator,
  contextOf,
  otlpJsonLines,
  toLogRecord,
  toReadableLogRecords,
} from './record-generator';
export type { ReceivedLogRecord } from './types';
