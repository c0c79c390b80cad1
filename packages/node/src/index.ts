export type { ReadSpillwayConfigOptions } from '@spillway/config';
// The configuration API, kept here for existing imports; @spillway/config owns it.
export {
  DEFAULT_RATIOS,
  MIN_DISK_BYTES,
  MIN_QUEUE_BYTES,
  parseSamplingPolicyFile,
  readSpillwayConfig,
  SPILLWAY_ENV_VARIABLES,
} from '@spillway/config';
export { createLogRecordProcessorFromEnv } from './create-log-record-processor-from-env';
export { createSpillwayProcessorFromConfig } from './create-spillway-processor-from-config';
export type { ShutdownHandlersOptions } from './install-shutdown-handlers';
export { installShutdownHandlers } from './install-shutdown-handlers';
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
