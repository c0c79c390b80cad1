import { ExportResultCode } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';

/**
 * One downstream export: resolves with undefined on SUCCESS, else the error (a FAILED result, a
 * synchronous throw, or no callback within `timeoutMillis`). Never rejects. A late callback after
 * the timeout is ignored; the batch is retried, so it may then arrive twice (documented).
 */
export function exportWithTimeout(
  exporter: LogRecordExporter,
  records: ReadableLogRecord[],
  timeoutMillis: number,
): Promise<Error | undefined> {
  return new Promise((resolve) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      resolve(new Error(`downstream export timed out after ${timeoutMillis} ms`));
    }, timeoutMillis);
    try {
      exporter.export(records, (result) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(
          result.code === ExportResultCode.SUCCESS
            ? undefined
            : (result.error ?? new Error('downstream export failed')),
        );
      });
    } catch (err) {
      settled = true;
      clearTimeout(timer);
      resolve(err instanceof Error ? err : new Error(String(err)));
    }
  });
}
