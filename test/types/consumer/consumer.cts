// The CommonJS twin of consumer.mts: the same packages through their `require` types.
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { main, type StatsSummary } from '@spillway/cli';
import { globalLogsApi } from '@spillway/config';
import { DiskBufferedLogRecordExporter } from '@spillway/disk-buffer';
import { readLogRecords, ZstdFileLogRecordExporter } from '@spillway/file-exporter';
import { createLogRecordProcessorFromEnv, installShutdownHandlers } from '@spillway/node';
import type * as register from '@spillway/node/register';
import { severityClassOf } from '@spillway/record-format';
import { FailoverLogRecordExporter } from '@spillway/router';
import { SamplingLogRecordProcessor } from '@spillway/sampling';
import { lineLogger } from './logger.cjs';

const files = new ZstdFileLogRecordExporter({ directory: '/var/lib/app/files' });
const failover = new FailoverLogRecordExporter({ exporters: [new OTLPLogExporter(), files] });
const wal = new DiskBufferedLogRecordExporter({
  exporter: failover,
  directory: '/var/lib/app/wal',
});
const sampling = new SamplingLogRecordProcessor({ exporter: wal, ratios: { info: 0.1 } });
const pipeline = createLogRecordProcessorFromEnv();
const provider = new LoggerProvider({ processors: [sampling, pipeline] });
const sdk = new NodeSDK({ logRecordProcessors: [pipeline] });
installShutdownHandlers({
  processor: pipeline,
  shutdown: () => sdk.shutdown(),
  logger: lineLogger,
});
installShutdownHandlers({ processor: pipeline, logger: provider.getLogger('app') });
globalLogsApi()?.getLogger('app').emit({ severityNumber: 17, body: 'oops' });

async function read(): Promise<number> {
  let errors = 0;
  for await (const record of readLogRecords('/var/lib/app/files')) {
    if (severityClassOf(record.severityNumber ?? 0) <= 1) errors++;
  }
  return errors;
}
const summary: StatsSummary | undefined = undefined;
const registered: typeof register | undefined = undefined;
export const used = [read(), main([]), summary, registered];
