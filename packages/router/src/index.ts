export type { ExportErrorClass } from './classify-export-error';
export { classifyExportError } from './classify-export-error';
export { ConsoleLogRecordExporter } from './console-log-record-exporter';
export { FailoverLogRecordExporter } from './failover-log-record-exporter';
export { SeverityRoutingLogRecordExporter } from './severity-routing-log-record-exporter';
export type {
  CircuitState,
  ConsoleLogRecordExporterOptions,
  FailoverLogRecordExporterOptions,
  FailoverStats,
  ReplayOptions,
  ReplayStats,
  Route,
  RouteStats,
  RoutingStats,
  SeverityRoutingLogRecordExporterOptions,
  TargetStats,
} from './types';
