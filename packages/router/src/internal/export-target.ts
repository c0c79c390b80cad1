import { diag } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { type StoredLogRecordBatch, takesStoredBatches } from '@spillway/disk-buffer';
import { ExportTimeoutError, sendWithTimeout } from '@spillway/sampling';
import {
  classifyExportError,
  describeExportError,
  type ExportErrorClass,
} from '../classify-export-error';
import type { TargetStats } from '../types';
import { type Admission, CircuitBreaker, type CircuitState } from './circuit-breaker';

/**
 * What one failover export carries: records, or a disk buffer's stored batch, which a target
 * that takes stored batches gets as it is and any other target as its records (decoded then, so
 * only when such a target is tried).
 */
export type OutgoingBatch = ReadableLogRecord[] | StoredLogRecordBatch;

/** The number of records `batch` holds. */
export function recordCountOf(batch: OutgoingBatch): number {
  return Array.isArray(batch) ? batch.length : batch.recordCount;
}

/** How one attempt on one target ended. */
export type Attempt =
  | { ok: true }
  | { ok: false; skipped: true }
  | { ok: false; skipped: false; class: ExportErrorClass | 'timeout'; error: unknown };

export interface TargetOptions {
  failureThreshold: number;
  retryIntervalMillis: number;
  maxRetryIntervalMillis: number;
  exportTimeoutMillis: number;
  onStateChange: (target: ExportTarget, from: CircuitState, to: CircuitState) => void;
}

/** An exporter with its circuit and counters: one entry of the failover's priority list. */
export class ExportTarget {
  readonly circuit: CircuitBreaker;
  private readonly stats: Omit<
    TargetStats,
    'state' | 'consecutiveFailures' | 'opens' | 'openMillis'
  >;

  constructor(
    readonly exporter: LogRecordExporter,
    readonly name: string,
    private readonly opts: TargetOptions,
  ) {
    this.stats = {
      name,
      batchesSent: 0,
      recordsSent: 0,
      batchesFailed: 0,
      batchesRejected: 0,
      timeouts: 0,
    };
    this.circuit = new CircuitBreaker({
      failureThreshold: opts.failureThreshold,
      retryIntervalMillis: opts.retryIntervalMillis,
      maxRetryIntervalMillis: opts.maxRetryIntervalMillis,
      onChange: (from, to, reason) => {
        const msg = `@spillway/router: target ${name} circuit ${from} -> ${to}: ${reason}`;
        if (to === 'open') diag.warn(msg);
        else diag.info(msg);
        opts.onStateChange(this, from, to);
      },
    });
  }

  /**
   * One attempt: skipped when the circuit refuses it (unless `force`), else exported with the
   * deadline and the outcome fed to the circuit.
   */
  async send(batch: OutgoingBatch, force = false): Promise<Attempt> {
    const admission: Admission | undefined = this.circuit.admit() ?? (force ? 'call' : undefined);
    if (admission === undefined) return { ok: false, skipped: true };
    let start: (done: (result: ExportResult) => void) => void;
    try {
      start = this.starter(batch);
    } catch (error) {
      // The stored batch does not decode: the batch's fault, not this target's.
      return this.failed(admission, error, 'batch');
    }
    const error = await sendWithTimeout(
      start,
      this.opts.exportTimeoutMillis,
      'FailoverLogRecordExporter',
    );
    if (error === undefined) {
      this.stats.batchesSent++;
      this.stats.recordsSent += recordCountOf(batch);
      this.circuit.onSuccess(admission);
      return { ok: true };
    }
    if (error instanceof ExportTimeoutError) {
      this.stats.timeouts++;
      return this.failed(admission, error, 'timeout');
    }
    return this.failed(admission, error, classifyExportError(error));
  }

  /**
   * How this target's exporter takes `batch`: a stored batch goes to `exportStored` where it has
   * one, else its records (decoded here; throws where they do not decode) go to `export`.
   */
  private starter(batch: OutgoingBatch): (done: (result: ExportResult) => void) => void {
    const exporter = this.exporter;
    if (Array.isArray(batch)) return (done) => exporter.export(batch, done);
    if (takesStoredBatches(exporter)) return (done) => exporter.exportStored(batch, done);
    const records = batch.records();
    return (done) => exporter.export(records, done);
  }

  private failed(admission: Admission, error: unknown, cls: ExportErrorClass | 'timeout'): Attempt {
    this.stats.batchesFailed++;
    const message = describeExportError(error);
    this.stats.lastError = { message, class: cls, at: Date.now() };
    if (cls === 'batch' || cls === 'too_large') {
      this.stats.batchesRejected++;
      this.circuit.onNeutral(admission);
    } else {
      this.circuit.onFailure(admission, message);
    }
    diag.debug(`@spillway/router: target ${this.name} failed a batch (${cls}): ${message}`);
    return { ok: false, skipped: false, class: cls, error };
  }

  getStats(now = Date.now()): TargetStats {
    const s: TargetStats = {
      ...this.stats,
      state: this.circuit.state(now),
      consecutiveFailures: this.circuit.consecutiveFailures,
      opens: this.circuit.opens,
      openMillis: this.circuit.openMillis(now),
    };
    if (this.stats.lastError) s.lastError = { ...this.stats.lastError };
    const next = this.circuit.nextRetryAt();
    if (next !== undefined) s.nextRetryAt = next;
    return s;
  }
}
