export type { ExportErrorClass } from './classify-export-error';
export { classifyExportError } from './classify-export-error';
export { FailoverLogRecordExporter } from './failover-log-record-exporter';
export { PrettyLogRecordExporter } from './pretty-log-record-exporter';
export { SeverityRoutingLogRecordExporter } from './severity-routing-log-record-exporter';
export type {
  CircuitState,
  FailoverLogRecordExporterOptions,
  FailoverStats,
  PrettyLogRecordExporterOptions,
  ReplayDropReason,
  ReplayOptions,
  ReplayStats,
  Route,
  RouteStats,
  RoutingStats,
  SeverityRoutingLogRecordExporterOptions,
  TargetStats,
} from './types';
