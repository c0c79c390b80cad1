import {
  LoggerProvider,
  type LogRecordProcessor,
  type ReadableLogRecord,
  type ReadWriteLogRecord,
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

/** A processor that keeps every record it is given: what any later stage would see. */
export class CollectingProcessor implements LogRecordProcessor {
  readonly records: ReadableLogRecord[] = [];
  onEmit(record: ReadWriteLogRecord): void {
    this.records.push(record);
  }
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

/**
 * A real LoggerProvider with the redacting processor first and a {@link CollectingProcessor}
 * after it (a stand-in for every later stage): `emit` returns what that stage received.
 */
export function setup(
  options: RedactingLogRecordProcessorOptions = {},
  after: LogRecordProcessor[] = [],
) {
  const redacting = new RedactingLogRecordProcessor(options);
  const collected = new CollectingProcessor();
  const provider = new LoggerProvider({ processors: [redacting, ...after, collected] });
  const logger = provider.getLogger('redaction-test');
  const emit = (record: TestRecord): ReadableLogRecord => {
    const before = collected.records.length;
    logger.emit({ severityNumber: 9, ...record } as Parameters<typeof logger.emit>[0]);
    const got = collected.records;
    if (got.length !== before + 1)
      throw new Error(`expected one exported record, got ${got.length - before}`);
    return got[got.length - 1]!;
  };
  return { redacting, collected, provider, logger, emit };
}
