export type { FsyncPolicy, Invalid, Parsed } from './config-values';
export {
  defaultDataDirectory,
  formatSize,
  invalid,
  isInvalid,
  parseDirectory,
  parseDuration,
  parseFsync,
  parseInteger,
  parseSize,
  serviceNameFromEnv,
} from './config-values';
export { emitConfigWarning } from './config-warning';
export { type Crc32, crc32, crc32Table } from './crc32';
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
export type { SeverityClassIndex, SeverityClassName } from './severity';
export {
  parseSeverity,
  SEVERITY_CLASSES,
  SeverityClass,
  severityClassName,
  severityClassOf,
  severityNumberName,
  severityNumberOfClass,
} from './severity';
