import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { timerDelay } from './timer-delay';

/**
 * What {@link exportWithTimeout} resolves with when no callback came within the budget, so a
 * caller can count timeouts apart from failures (`error instanceof ExportTimeoutError`).
 */
export class ExportTimeoutError extends Error {
  override readonly name = 'ExportTimeoutError';

  constructor(
    component: string,
    readonly timeoutMillis: number,
  ) {
    super(`${component}: export timed out after ${timeoutMillis} ms`);
  }
}

/**
 * One export of `records`, bounded: resolves with undefined on SUCCESS, else with the error — a
 * FAILED result (its error, or one naming `component`), a synchronous throw, or an
 * {@link ExportTimeoutError} when no callback came within `timeoutMillis`. Never rejects; the
 * timer is cleared as soon as the callback comes. A callback after the timeout is ignored, so a
 * caller that retries may deliver that batch twice.
 *
 * Use it wherever a stage hands one batch to a downstream exporter (the sampling processor's
 * export driver, the disk buffer's sender, the router's targets); `component` prefixes the messages
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
  return sendWithTimeout((done) => exporter.export(records, done), timeoutMillis, component);
}

/**
 * {@link exportWithTimeout} for an export made some other way than `export(records)`: `send`
 * starts it and passes the callback on (the disk buffer's sender and the router's targets hand a
 * stored batch to `exportStored`). The same bound and results.
 */
export function sendWithTimeout(
  send: (resultCallback: (result: ExportResult) => void) => void,
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
      () => finish(new ExportTimeoutError(component, timeoutMillis)),
      timerDelay(timeoutMillis),
    );
    try {
      send((result) => {
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

/** What {@link settleWithin} saw first: the promise's outcome, or the end of the budget. */
export type SettleWithinResult<T> =
  | { status: 'fulfilled'; value: T }
  | { status: 'rejected'; reason: unknown }
  | { status: 'timed-out' };

/**
 * Waits for `promise` at most `timeoutMillis`: resolves with its outcome in
 * `Promise.allSettled`'s shape (`fulfilled` with the value, `rejected` with the reason) if it
 * settles within the budget, else with `{ status: 'timed-out' }` once the budget passes. Never
 * rejects; the timer is cleared as soon as the promise settles. A settlement after the timeout is
 * ignored (a late rejection is not reported as unhandled). A budget past the timer maximum
 * (~24.8 days, `Infinity` included) waits that maximum, rather than Node's 1 ms substitute; a
 * negative or NaN budget is 0.
 *
 * Use it wherever shutdown or flush work must not hold the caller longer than a budget (process
 * hooks, a stage's shutdown draining its sender). The timer is unref'd: the budget bounds the wait
 * without keeping the process alive, so whatever the awaited work holds open decides that, as it
 * would without the bound. To bound one export batch, use {@link exportWithTimeout}.
 */
export function settleWithin<T>(
  promise: PromiseLike<T>,
  timeoutMillis: number,
): Promise<SettleWithinResult<T>> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (result: SettleWithinResult<T>): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(result);
    };
    const timer = setTimeout(() => finish({ status: 'timed-out' }), timerDelay(timeoutMillis));
    timer.unref();
    Promise.resolve(promise).then(
      (value) => finish({ status: 'fulfilled', value }),
      (reason: unknown) => finish({ status: 'rejected', reason }),
    );
  });
}
