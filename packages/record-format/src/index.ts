export { utf8Write, writeHex } from './byte-helpers';
export { type Crc32, crc32, crc32Table } from './crc32';
export { isCleanTime, isUint, MAX_U32 } from './normalize-fields';
export {
  CYCLIC,
  cleanLogRecord,
  cleanRecordUnits,
  DEPTH_LIMIT,
  isNormalizedBatch,
  MAX_TEXT_UNITS,
  MAX_TIME_SECONDS,
  markNormalizedBatch,
  normalizeLogRecord,
  normalizeLogRecords,
  renormalizeLogRecord,
  SIZE_LIMIT,
} from './normalize-log-record';
export type { SubstitutionCounts, SubstitutionKind } from './normalize-value';
export {
  emptySubstitutionCounts,
  MAX_RECORD_UNITS,
  MAX_VALUE_DEPTH,
  SUBSTITUTION_KINDS,
  setEntry,
  UNITS_PER_VALUE,
} from './normalize-value';
export {
  fromOtlpJsonAnyValue,
  fromOtlpJsonAttributes,
  nanosStringToHrTime,
  OtlpJsonDecoder,
} from './otlp-json-decode';
export type {
  OtlpJsonAnyValue,
  OtlpJsonKeyValue,
  OtlpJsonLogRecord,
  OtlpJsonLogsData,
} from './otlp-json-encode';
export {
  encodeLogsDataLine,
  hrTimeToNanosString,
  toOtlpJsonAnyValue,
  toOtlpJsonAttributes,
  toOtlpJsonLogRecord,
  toOtlpJsonLogsData,
} from './otlp-json-encode';
export {
  encodeExportLogsServiceRequest,
  writeHrTime as writeOtlpHrTime,
  writeInt64 as writeOtlpInt64,
  writeNumber as writeOtlpNumber,
} from './otlp-protobuf-encode';
export { ProtobufWriter } from './protobuf-writer';
export {
  bytesAsBase64,
  formatHrTime,
  formatRecordLine,
  formatValue,
  type RecordLineOptions,
  severityLabel,
} from './record-line';
export { MAX_SERVICE_SEGMENT_CHARS, sanitizeServiceName } from './service-name-segment';
export type { SeverityClassIndex, SeverityClassName } from './severity';
export {
  classOfSeverityNumber,
  parseSeverity,
  SEVERITY_CLASS_COUNT,
  SEVERITY_CLASSES,
  SeverityClass,
  severityClassName,
  severityClassOf,
  severityNumberName,
  severityNumberOfClass,
} from './severity';
