import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { encodeLogsDataLine, formatRecordLine } from '@spillway/record-format';
import { Output } from './output';
import { formatJson } from './record-json';

/** The record formats of `cat` and `tail`. */
export const RECORD_FORMATS = ['pretty', 'json', 'otlp-json'] as const;
export type RecordFormat = (typeof RECORD_FORMATS)[number];

/** `--format` help text. */
export const RECORD_FORMATS_HELP =
  'pretty: one line per record; json: one flat JSON object per record (for jq); otlp-json: OTLP/JSON LogsData lines';

/**
 * Prints batches of records in a format, up to a limit of records, on stdout (through
 * {@link Output}: back-pressure, quiet end on a closed pipe).
 */
export class RecordPrinter {
  private printed = 0;

  constructor(
    private readonly format: RecordFormat,
    private readonly limit = Number.POSITIVE_INFINITY,
    readonly out = new Output(),
  ) {}

  /** True once the limit is reached or the reader has gone: print nothing more. */
  get done(): boolean {
    return this.out.closed || this.printed >= this.limit;
  }

  /** Prints what the limit leaves of `records`, in the given order. */
  async print(records: ReadonlyArray<ReadableLogRecord>): Promise<void> {
    if (this.done || records.length === 0) return;
    const room = this.limit - this.printed;
    const batch = records.length > room ? records.slice(0, room) : records;
    this.printed += batch.length;
    if (this.format === 'otlp-json') await this.out.line(encodeLogsDataLine(batch));
    else {
      const format = this.format === 'json' ? formatJson : formatRecordLine;
      for (const r of batch) await this.out.line(format(r));
    }
  }

  /** Prints an OTLP/JSON line as read from a file (only for the `otlp-json` format, no limit). */
  async printLine(line: string): Promise<void> {
    if (!this.out.closed) await this.out.line(line);
  }

  flush(): Promise<void> {
    return this.out.flush();
  }
}
