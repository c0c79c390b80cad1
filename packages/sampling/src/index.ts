export type { EnabledOptions } from './sampling-log-record-processor';
export { SamplingLogRecordProcessor } from './sampling-log-record-processor';
export {
  DEFAULT_RATE_LIMITS,
  DEFAULT_RATIOS,
  DEFAULT_TRACE_SILENCE_AFTER,
} from './internal/policy-state';
export {
  DEFAULT_THRESHOLD_PRECISION,
  isKept,
  MAX_THRESHOLD,
  parseThreshold,
  probabilityToThreshold,
  thresholdToHex,
  thresholdToProbability,
  traceIdRandomness,
} from './threshold';
export type {
  ClassCounts,
  DropReason,
  EffectiveSamplingPolicy,
  NoTraceContextPolicy,
  RateLimitStats,
  RateLimits,
  SamplingLogRecordProcessorOptions,
  SamplingPolicy,
  SamplingStats,
  SeverityClassName,
  SeverityRatios,
  SyncLogRecordExporter,
} from './types';
