export {
  DEFAULT_RATE_LIMITS,
  DEFAULT_RATIOS,
  DEFAULT_TRACE_SILENCE_AFTER,
} from '@spillway/sampling';
export type { ConfigFile } from './config-file/read-config-file';
export {
  CONFIG_FILE_VARIABLES,
  configFileOf,
  MAX_CONFIG_FILE_BYTES,
  PROCESSOR_NAME,
  readConfigFile,
} from './config-file/read-config-file';
export { substituteVariables } from './config-file/substitute-variables';
export { emitConfigWarning, ignoredVariablesMessage, invalidValueMessage } from './config-warning';
export type { LogsApi, LogsApiLogger, LogsApiRecord } from './global-logs-api';
export { globalLogsApi } from './global-logs-api';
export {
  DEFAULT_QUEUE_BYTES,
  MIN_QUEUE_BYTES,
  readCgroupMemoryLimit,
} from './internal/cgroup-memory';
export { parseSamplingPolicyFile } from './parse-sampling-policy-file';
export type { PropertiesOptions } from './read-spillway-config';
export {
  readSpillwayConfig,
  SPILLWAY_ENV_VARIABLES,
  spillwayConfigFromProperties,
} from './read-spillway-config';
export type { ClassName } from './sampling-values';
export {
  CLASS_NAMES,
  parseChoice,
  parseNoTraceContext,
  parseRateLimits,
  parseRatios,
} from './sampling-values';
export { sdkDisabled } from './sdk-disabled';
export {
  defaultDataDirectory,
  serviceNameFromAttributeList,
  serviceNameFromEnv,
  UNKNOWN_SERVICE_NAME,
} from './service-name';
export type {
  ClassTable,
  ConfigEntry,
  ConfigProblem,
  FsyncPolicy,
  NoTraceContext,
  OtlpGrpcExporterSettings,
  ReadSpillwayConfigOptions,
  RedactionSpec,
  SamplingPolicyFile,
  SamplingPolicyUpdate,
  SamplingRatios,
  SpillwayConfig,
  SpillwayConfigReport,
} from './types';
export type { Invalid, Parsed } from './value-parsers';
export {
  formatSize,
  invalid,
  isInvalid,
  MAX_DURATION_MILLIS,
  parseDirectory,
  parseDuration,
  parseFsync,
  parseInteger,
  parseSize,
} from './value-parsers';
export type { DefaultContext, Variable } from './variables';
export { MIN_DISK_BYTES, VARIABLES } from './variables';
