import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  type LogRecordProcessor,
  type ReadableLogRecord,
  SimpleLogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import {
  RedactingLogRecordProcessor,
  type RedactingLogRecordProcessorOptions,
} from '@spillway/redaction';

/** What a test emits: the fields of the logs API's `LogRecord` it needs. */
export interface TestRecord {
  body?: unknown;
  attributes?: Record<string, unknown>;
  severityNumber?: number;
}

/**
 * A real LoggerProvider with the redacting processor first and a SimpleLogRecordProcessor on an
 * in-memory exporter after it (a stand-in for every later stage): `emit` returns what that stage
 * received.
 */
export function setup(
  options: RedactingLogRecordProcessorOptions = {},
  after: LogRecordProcessor[] = [],
) {
  const redacting = new RedactingLogRecordProcessor(options);
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    processors: [redacting, ...after, new SimpleLogRecordProcessor(exporter)],
  });
  const logger = provider.getLogger('redaction-test');
  const emit = (record: TestRecord): ReadableLogRecord => {
    const before = exporter.getFinishedLogRecords().length;
    logger.emit({ severityNumber: 9, ...record } as Parameters<typeof logger.emit>[0]);
    const got = exporter.getFinishedLogRecords();
    if (got.length !== before + 1) throw new Error(`expected one exported record, got ${got.length - before}`);
    return got[got.length - 1]!;
  };
  return { redacting, exporter, provider, logger, emit };
}
