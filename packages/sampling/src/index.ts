export { type BackoffOptions, backoffMillis } from './backoff';
export type { SettleWithinResult } from './export-with-timeout';
export {
  ExportTimeoutError,
  exportWithTimeout,
  sendWithTimeout,
  settleWithin,
} from './export-with-timeout';
export {
  DEFAULT_RATE_LIMITS,
  DEFAULT_RATIOS,
  DEFAULT_TRACE_SILENCE_AFTER,
} from './internal/policy-state';
export type { EnabledOptions } from './sampling-log-record-processor';
export { SamplingLogRecordProcessor } from './sampling-log-record-processor';
export { parseTemplateKeySpec, TEMPLATE_KEY_SPEC_FORMS } from './template-key-spec';
export { templateOf } from './template-of';
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
export { MAX_TIMER_MILLIS, timerDelay } from './timer-delay';
export type {
  BackfillOptions,
  BackfillStats,
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
  TemplateKey,
  TemplateTableStats,
} from './types';
