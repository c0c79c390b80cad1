import type { ExportResult } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { describe, expect, it, vi } from 'vitest';
import {
  ExportTimeoutError,
  exportWithTimeout,
  MAX_TIMER_MILLIS,
  settleWithin,
  timerDelay,
} from '../src/index';

/** A real exporter with one knob: what `export` does with its callback. */
function exporterThat(
  behave: (callback: (result: ExportResult) => void) => void,
): LogRecordExporter & { calls: number } {
  const e = {
    calls: 0,
    export(_records: ReadableLogRecord[], callback: (result: ExportResult) => void) {
      e.calls++;
      behave(callback);
    },
    shutdown: async () => {},
    forceFlush: async () => {},
  };
  return e;
}

describe('exportWithTimeout', () => {
  it('should resolve undefined on SUCCESS, the error on FAILED, and name the component otherwise', async () => {
    const failure = new Error('collector said no');
    expect(
      await exportWithTimeout(
        exporterThat((cb) => cb({ code: 0 })),
        [],
        1000,
        'C',
      ),
    ).toBe(undefined);
    expect(
      await exportWithTimeout(
        exporterThat((cb) => cb({ code: 1, error: failure })),
        [],
        1000,
        'C',
      ),
    ).toBe(failure);
    const bare = await exportWithTimeout(
      exporterThat((cb) => cb({ code: 1 })),
      [],
      1000,
      'C',
    );
    expect(bare?.message).toBe('C: log record export failed');
    expect(bare).not.toBeInstanceOf(ExportTimeoutError);
  });

  it('should resolve a synchronous throw as an error, never reject', async () => {
    const thrown = await exportWithTimeout(
      exporterThat(() => {
        throw 'not an Error';
      }),
      [],
      1000,
      'C',
    );
    expect(thrown).toBeInstanceOf(Error);
    expect(thrown?.message).toBe('not an Error');
  });

  it('should time out a hung export, then ignore its late callback', async () => {
    let late: ((result: ExportResult) => void) | undefined;
    const exporter = exporterThat((cb) => {
      late = cb;
    });
    const started = Date.now();
    const err = await exportWithTimeout(exporter, [], 50, 'SamplingLogRecordProcessor');
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(err?.message).toBe('SamplingLogRecordProcessor: export timed out after 50 ms');
    expect(err).toBeInstanceOf(ExportTimeoutError);
    expect((err as ExportTimeoutError).timeoutMillis).toBe(50);
    expect(() => late?.({ code: 0 })).not.toThrow();
    expect(exporter.calls).toBe(1);
  });

  it('should clear its timer once the callback comes', async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    await exportWithTimeout(
      exporterThat((cb) => cb({ code: 0 })),
      [],
      60_000,
      'C',
    );
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).toBe(before);
  });
});

describe('settleWithin', () => {
  const timeouts = (): number =>
    process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

  it('should resolve fulfilled with the value when the promise settles within the budget', async () => {
    expect(await settleWithin(Promise.resolve(42), 60_000)).toEqual({
      status: 'fulfilled',
      value: 42,
    });
  });

  it('should resolve rejected with the reason, never reject', async () => {
    const reason = new Error('flush failed');
    expect(await settleWithin(Promise.reject(reason), 60_000)).toEqual({
      status: 'rejected',
      reason,
    });
  });

  it('should clear its timer as soon as the promise settles', async () => {
    // The timer is unref'd, so getActiveResourcesInfo does not list it: count it with fake timers.
    vi.useFakeTimers();
    try {
      let resolve: () => void = () => {};
      const result = settleWithin(new Promise<void>((r) => (resolve = r)), 60_000);
      expect(vi.getTimerCount()).toBe(1);
      resolve();
      expect((await result).status).toBe('fulfilled');
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('should resolve timed-out once the budget passes, and ignore a late rejection', async () => {
    let reject: (reason: unknown) => void = () => {};
    const pending = new Promise<void>((_, r) => (reject = r));
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', onUnhandled);
    try {
      const started = Date.now();
      expect(await settleWithin(pending, 50)).toEqual({ status: 'timed-out' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(45);
      reject(new Error('too late'));
      // Let an unhandled rejection, if any, be raised before looking.
      await new Promise((r) => setImmediate(r));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('should not keep the process alive while it waits', () => {
    const before = timeouts();
    void settleWithin(new Promise<void>(() => {}), 60_000);
    // getActiveResourcesInfo lists a Timeout only while it is ref'd (it keeps the loop alive).
    expect(timeouts()).toBe(before);
  });

  it('should treat Infinity as the timer maximum, not as Node’s 1 ms substitute', async () => {
    let resolve: () => void = () => {};
    const pending = new Promise<void>((r) => (resolve = r));
    const result = settleWithin(pending, Number.POSITIVE_INFINITY);
    await new Promise((r) => setTimeout(r, 20));
    resolve();
    expect(await result).toEqual({ status: 'fulfilled', value: undefined });
  });
});

describe('timerDelay', () => {
  it("should clamp to what setTimeout honours: 0 below, Node's ceiling above", () => {
    expect(timerDelay(-5)).toBe(0);
    expect(timerDelay(Number.NaN)).toBe(0);
    expect(timerDelay(250)).toBe(250);
    expect(timerDelay(Number.POSITIVE_INFINITY)).toBe(MAX_TIMER_MILLIS);
    expect(MAX_TIMER_MILLIS).toBe(2_147_483_647);
  });
});
