import { ExportResultCode } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';

/**
 * One export of `records`, bounded: resolves with undefined on SUCCESS, else with the error — a
 * FAILED result (its error, or one naming `component`), a synchronous throw, or no callback within
 * `timeoutMillis`. Never rejects; the timer is cleared as soon as the callback comes. A callback
 * after the timeout is ignored, so a caller that retries may deliver that batch twice.
 *
 * Use it wherever a stage hands one batch to a downstream exporter (the sampling processor's
 * export driver, the disk buffer's sender); `component` prefixes the messages
 * (`SamplingLogRecordProcessor: export timed out after 30000 ms`). The timer keeps the process
 * alive, as the export it bounds does: an app ending while a batch is out waits at most
 * `timeoutMillis` for its outcome.
 */
export function exportWithTimeout(
  exporter: LogRecordExporter,
  records: ReadableLogRecord[],
  timeoutMillis: number,
  component: string,
): Promise<Error | undefined> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (error: Error | undefined): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(error);
    };
    const timer = setTimeout(
      () => finish(new Error(`${component}: export timed out after ${timeoutMillis} ms`)),
      timeoutMillis,
    );
    try {
      exporter.export(records, (result) => {
        finish(
          result.code === ExportResultCode.SUCCESS
            ? undefined
            : (result.error ?? new Error(`${component}: log record export failed`)),
        );
      });
    } catch (err) {
      finish(err instanceof Error ? err : new Error(String(err)));
    }
  });
}
