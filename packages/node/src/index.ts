export { createLogRecordProcessorFromEnv } from './create-log-record-processor-from-env';
export type { ShutdownHandlersOptions } from './install-shutdown-handlers';
export { installShutdownHandlers } from './install-shutdown-handlers';
export { parseSamplingPolicyFile } from './parse-sampling-policy-file';
export type { ReadSpillwayConfigOptions } from './read-spillway-config';
export {
  DEFAULT_RATIOS,
  MIN_DISK_BYTES,
  MIN_QUEUE_BYTES,
  readSpillwayConfig,
  SPILLWAY_ENV_VARIABLES,
} from './read-spillway-config';
export type { RegisteredPipeline } from './registered-pipeline';
export { getRegisteredPipeline } from './registered-pipeline';
export type {
  SpillwayPipelineOptions,
  SpillwayPipelineStats,
  SpillwaySamplingPolicy,
} from './spillway-log-record-processor';
export { SpillwayLogRecordProcessor } from './spillway-log-record-processor';
export type {
  ClassTable,
  ConfigEntry,
  ConfigProblem,
  FsyncPolicy,
  NoTraceContext,
  SamplingPolicyFile,
  SamplingPolicyUpdate,
  SamplingRatios,
  SpillwayConfig,
  SpillwayConfigReport,
  SpillwayOverrides,
} from './types';
