import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { formatRecordLine } from '@spillway/record-format';
import type { PrettyLogRecordExporterOptions } from './types';

/**
 * Prints one readable line per record to stdout, stderr or a given stream: the record's one-line
 * text form of @spillway/record-format (`formatRecordLine`, the same line `spillway cat` prints:
 * time, level, service, body, attributes, event, trace and span id), with ANSI colours only on a
 * TTY unless forced. Meant as a route
 * target for people (`ERROR+ → stderr`), not as a storage format: use the zstd file exporter
 * for files that tools read back.
 */
export class PrettyLogRecordExporter implements LogRecordExporter {
  private readonly stream: NodeJS.WritableStream;
  private readonly color: boolean;
  private stopped = false;

  constructor(options: PrettyLogRecordExporterOptions = {}) {
    const s = options.stream ?? 'stdout';
    this.stream = s === 'stdout' ? process.stdout : s === 'stderr' ? process.stderr : s;
    const c = options.color ?? 'auto';
    // tty.WriteStream.hasColors() honours NO_COLOR, FORCE_COLOR and TERM; other streams get none.
    const tty = this.stream as NodeJS.WritableStream & {
      isTTY?: boolean;
      hasColors?: () => boolean;
    };
    this.color = c === 'auto' ? tty.isTTY === true && tty.hasColors?.() === true : c;
  }

  export(records: ReadableLogRecord[], resultCallback: (result: ExportResult) => void): void {
    if (this.stopped) {
      resultCallback({
        code: ExportResultCode.FAILED,
        error: new Error('PrettyLogRecordExporter is shut down'),
      });
      return;
    }
    let out = '';
    for (const r of records) out += `${formatRecordLine(r, { color: this.color })}\n`;
    try {
      this.stream.write(out, (err) =>
        resultCallback(
          err ? { code: ExportResultCode.FAILED, error: err } : { code: ExportResultCode.SUCCESS },
        ),
      );
    } catch (error) {
      resultCallback({
        code: ExportResultCode.FAILED,
        error: error instanceof Error ? error : new Error(String(error)),
      });
    }
  }

  async forceFlush(): Promise<void> {}

  async shutdown(): Promise<void> {
    this.stopped = true;
  }
}
