export {
  type ComponentMetrics,
  type ComponentMetricsOptions,
  type ObserveFn,
  registerComponentMetrics,
} from './component-metrics';
export { classCountsOf, DropCounter, type SeverityOf, UNKNOWN_CLASS } from './drop-counter';
export {
  ATTR_COMPONENT_NAME,
  ATTR_COMPONENT_TYPE,
  ATTR_ENCODING,
  ATTR_ERROR_TYPE,
  ATTR_REDACTION_RULE,
  ATTR_SEVERITY_CLASS,
  ATTR_STORAGE,
  ATTR_TARGET,
  COMPONENT_TYPES,
  type ComponentType,
  type InstrumentSpec,
  type ObservableMetricName,
  type RecordedMetricName,
  SELF_METRICS,
  type SelfMetricName,
} from './self-metric-names';
export {
  type DropCounts,
  type LastError,
  lastErrorOf,
  observeDrops,
  SEVERITY_COUNT_KEYS,
  type SeverityCounts,
  severityCounts,
} from './stats-shapes';
