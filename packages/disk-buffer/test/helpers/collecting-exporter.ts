import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';

/**
 * A real in-memory downstream exporter with knobs: fail the next N exports, or fail until told
 * otherwise, with an optional latency.
 */
export class CollectingExporter implements LogRecordExporter {
  readonly records: ReadableLogRecord[] = [];
  exports = 0;
  failures = 0;
  private failCount = 0;
  failing = false;
  latencyMs = 0;
  private listeners: Array<() => void> = [];

  failNext(n: number): void {
    this.failCount = n;
  }

  /** The next `n` exports never call back (a hung connection). */
  hangNext(n: number): void {
    this.hangCount = n;
  }

  private hangCount = 0;

  /** Lets `n` more exports succeed, then fails every export. */
  succeedThenFail(n: number): void {
    this.successBudget = n;
  }

  private successBudget = Number.POSITIVE_INFINITY;

  export(logs: ReadableLogRecord[], cb: (r: ExportResult) => void): void {
    this.exports++;
    if (this.hangCount > 0) {
      this.hangCount--;
      return;
    }
    const finish = () => {
      if (this.successBudget <= 0) this.failing = true;
      if (this.failing || this.failCount > 0) {
        if (this.failCount > 0) this.failCount--;
        this.failures++;
        cb({ code: ExportResultCode.FAILED, error: new Error('injected failure') });
      } else {
        this.successBudget--;
        this.records.push(...logs);
        cb({ code: ExportResultCode.SUCCESS });
      }
      for (const l of this.listeners.splice(0)) l();
    };
    if (this.latencyMs > 0) setTimeout(finish, this.latencyMs);
    else queueMicrotask(finish);
  }

  /** Resolves once `pred` holds after some export. */
  async waitFor(pred: () => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred()) {
      if (Date.now() > deadline) throw new Error(`timed out; ${this.records.length} records`);
      await new Promise<void>((r) => {
        this.listeners.push(r);
        setTimeout(r, 50);
      });
    }
  }

  ids(key = 'test.id'): number[] {
    return this.records.map((r) => r.attributes[key] as number);
  }

  async shutdown(): Promise<void> {}
  async forceFlush(): Promise<void> {}
}
