export type { WorkerExporterStats, WorkerThreadLogRecordExporterOptions } from './types';
export { WorkerThreadLogRecordExporter } from './worker-thread-log-record-exporter';
