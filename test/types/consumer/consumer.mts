// An ES module app using every published package's public API, compiled with `tsc` against the
// OTel line installed beside it (no skipLibCheck: spillway's declarations are checked too).
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { buildProgram, ExitCode, main, parseTimeArg, type StatsSummary } from '@spillway/cli';
import { globalLogsApi } from '@spillway/config';
import { DiskBufferedLogRecordExporter, type DiskBufferStats } from '@spillway/disk-buffer';
import {
  type ReadLogRecordsOptions,
  readLogRecords,
  ZstdFileLogRecordExporter,
} from '@spillway/file-exporter';
import {
  createLogRecordProcessorFromEnv,
  getRegisteredPipeline,
  installShutdownHandlers,
  readSpillwayConfig,
  type SpillwayPipelineStats,
} from '@spillway/node';
import type * as register from '@spillway/node/register';
import { parseSeverity, severityClassOf } from '@spillway/record-format';
import {
  FailoverLogRecordExporter,
  type FailoverStats,
  PrettyLogRecordExporter,
  SeverityRoutingLogRecordExporter,
} from '@spillway/router';
import { SamplingLogRecordProcessor, type SamplingStats } from '@spillway/sampling';
import { lineLogger } from './logger.mjs';

const files = new ZstdFileLogRecordExporter({ directory: '/var/lib/app/files' });
const failover = new FailoverLogRecordExporter({ exporters: [new OTLPLogExporter(), files] });
const wal = new DiskBufferedLogRecordExporter({
  exporter: failover,
  directory: '/var/lib/app/wal',
});
const routed = new SeverityRoutingLogRecordExporter({
  routes: [{ minSeverity: 17, targets: [new PrettyLogRecordExporter({ stream: 'stderr' })] }],
});
const sampling = new SamplingLogRecordProcessor({ exporter: wal, ratios: { info: 0.1 } });
const pipeline = createLogRecordProcessorFromEnv();

// spillway's processors and exporters in the line's own SDK types.
const provider = new LoggerProvider({ processors: [sampling, pipeline] });
const sdk = new NodeSDK({ logRecordProcessors: [pipeline] });
installShutdownHandlers({
  processor: pipeline,
  shutdown: () => sdk.shutdown(),
  logger: lineLogger,
});
installShutdownHandlers({ processor: pipeline, logger: provider.getLogger('app') });
globalLogsApi()?.getLogger('app').emit({ severityNumber: 9, body: 'hello' });

const stats: [SamplingStats, DiskBufferStats, FailoverStats, SpillwayPipelineStats] = [
  sampling.getStats(),
  wal.getStats(),
  failover.getStats(),
  pipeline.getStats(),
];
const options: ReadLogRecordsOptions = {};
for await (const record of readLogRecords('/var/lib/app/files', options)) {
  const severity: number | undefined = record.severityNumber;
  severityClassOf(severity ?? 0);
}
const summary: StatsSummary | undefined = undefined;
const exit: Promise<number> = main(['node', 'spillway', '--help']);
const registered: typeof register | undefined = undefined;
export const used = [
  routed,
  stats,
  summary,
  exit,
  registered,
  buildProgram().name(),
  ExitCode,
  parseTimeArg,
  parseSeverity('warn'),
  readSpillwayConfig(),
  getRegisteredPipeline()?.processor,
];
