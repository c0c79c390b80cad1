import type { ExportResult } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { describe, expect, it } from 'vitest';
import { exportWithTimeout } from '../src/index';

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
