import { diag } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { emitConfigWarning } from '@spillway/config';
import type { StoredBatchLogRecordExporter, StoredLogRecordBatch } from '@spillway/disk-buffer';
import { type ComponentMetrics, DropCounter } from '@spillway/self-metrics';
import { describeExportError } from './classify-export-error';
import { ExportTarget, type OutgoingBatch, recordCountOf } from './internal/export-target';
import { resolveReplaySource } from './internal/replay-source';
import { REPLAY_DROP_REASONS, Replayer, type ReplayHost } from './internal/replayer';
import { ALL_TARGETS_FAILED, registerRouterMetrics } from './internal/router-metrics';
import type { FailoverLogRecordExporterOptions, FailoverStats, ReplayStats } from './types';

const SUCCESS = 0;
const FAILED = 1;

/**
 * Sends each batch to the highest-priority target whose circuit is closed, falling through to the
 * next target within the same `export()` call when it fails or times out; `export()` reports
 * FAILED only when every target failed, so a disk buffer upstream keeps the batch. Typical use:
 * `exporters: [new OTLPLogExporter(), new ZstdFileLogRecordExporter({ directory })]`, behind a
 * `BatchLogRecordProcessor` or a `DiskBufferedLogRecordExporter`.
 *
 * Each target has a circuit breaker (see README: classification table). When the primary is
 * healthy again, replay sends what the fallback files hold back to it, oldest first, rate
 * limited, with a checkpoint, live traffic first.
 *
 * Behind a disk buffer, a batch read back from its WAL comes as stored bytes (`exportStored`):
 * a target that takes those (spillway's OTLP and worker exporters) gets them as they are, and the
 * records are decoded only when a target that needs them is tried (the zstd file fallback).
 */
export class FailoverLogRecordExporter implements StoredBatchLogRecordExporter {
  private readonly targets: ExportTarget[];
  private readonly metrics: ComponentMetrics;
  private readonly replayer: Replayer | undefined;
  private readonly totals = {
    batchesExported: 0,
    batchesFailed: 0,
    recordsExported: 0,
    recordsFailed: 0,
    recordsInflight: 0,
  };
  private readonly inFlight = new Set<Promise<unknown>>();
  private shutdownPromise: Promise<void> | undefined;

  constructor(options: FailoverLogRecordExporterOptions) {
    if (!options.exporters || options.exporters.length === 0) {
      throw new TypeError('FailoverLogRecordExporter: `exporters` needs at least one exporter');
    }
    const failureThreshold = positive(options.failureThreshold, 3, 'failureThreshold');
    const retryIntervalMillis = positive(options.retryIntervalMillis, 500, 'retryIntervalMillis');
    const maxRetryIntervalMillis = Math.max(
      retryIntervalMillis,
      positive(options.maxRetryIntervalMillis, 1_000, 'maxRetryIntervalMillis'),
    );
    const exportTimeoutMillis = positive(
      options.exportTimeoutMillis,
      15_000,
      'exportTimeoutMillis',
    );
    this.targets = options.exporters.map(
      (exporter, i) =>
        new ExportTarget(
          exporter,
          options.names?.[i] ?? `${exporter.constructor?.name ?? 'exporter'}#${i}`,
          {
            failureThreshold,
            retryIntervalMillis,
            maxRetryIntervalMillis,
            exportTimeoutMillis,
            onStateChange: (target, _from, to) => {
              if (target === this.targets[0] && to === 'closed') this.replayer?.primaryRecovered();
            },
          },
        ),
    );
    this.metrics = registerRouterMetrics(options.meterProvider, () => this.getStats());
    this.replayer = this.createReplayer(options);
  }

  export(records: ReadableLogRecord[], resultCallback: (result: ExportResult) => void): void {
    this.exportOutgoing(records, resultCallback);
  }

  /**
   * As `export(batch.records(), resultCallback)` — the same failover, circuits, deadlines, stats
   * and result — except that each target that takes stored batches gets `batch` itself, so the
   * records are decoded only if a target that needs them is tried. A batch that does not decode
   * fails those targets as a rejected batch (their circuits untouched) and falls through.
   */
  exportStored(batch: StoredLogRecordBatch, resultCallback: (result: ExportResult) => void): void {
    this.exportOutgoing(batch, resultCallback);
  }

  private exportOutgoing(
    batch: OutgoingBatch,
    resultCallback: (result: ExportResult) => void,
  ): void {
    if (this.shutdownPromise) {
      resultCallback({ code: FAILED, error: new Error('FailoverLogRecordExporter is shut down') });
      return;
    }
    const started = performance.now();
    const count = recordCountOf(batch);
    this.totals.recordsInflight += count;
    const settle = (result: ExportResult): void => {
      this.inFlight.delete(p);
      this.totals.recordsInflight -= count;
      this.metrics.record(
        'otel.sdk.exporter.operation.duration',
        (performance.now() - started) / 1000,
        result.code === SUCCESS ? undefined : { 'error.type': ALL_TARGETS_FAILED },
      );
      this.replayer?.liveSettled();
      resultCallback(result);
    };
    const p = this.exportBatch(batch).then(settle, (error: unknown) =>
      // exportBatch never rejects; this guards the callback contract all the same.
      settle({ code: FAILED, error: error instanceof Error ? error : new Error(String(error)) }),
    );
    this.inFlight.add(p);
  }

  async forceFlush(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
    await this.replayer?.flush();
    await Promise.allSettled(this.targets.map((t) => t.exporter.forceFlush()));
  }

  /** Idempotent: waits for exports in flight, stops replay (checkpoint saved), shuts every target down. */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= (async () => {
      await Promise.allSettled([...this.inFlight]);
      await this.replayer?.stop();
      const results = await Promise.allSettled(this.targets.map((t) => t.exporter.shutdown()));
      this.metrics.shutdown();
      for (const r of results) {
        if (r.status === 'rejected')
          diag.warn(
            `@spillway/router: a target failed to shut down: ${describeExportError(r.reason)}`,
          );
      }
    })();
    return this.shutdownPromise;
  }

  /** Per-target circuit state and counters, totals, and replay progress. */
  getStats(): FailoverStats {
    const now = Date.now();
    const replay: ReplayStats = this.replayer?.getStats() ?? {
      state: 'off',
      filesPending: 0,
      bytesPending: 0,
      recordsReplayed: 0,
      batchesReplayed: 0,
      filesReplayed: 0,
      dropped: new DropCounter(REPLAY_DROP_REASONS).snapshot(),
    };
    return {
      targets: this.targets.map((t) => t.getStats(now)),
      batches: { exported: this.totals.batchesExported, failed: this.totals.batchesFailed },
      records: {
        exported: this.totals.recordsExported,
        failed: this.totals.recordsFailed,
        inflight: this.totals.recordsInflight,
      },
      replay,
    };
  }

  private async exportBatch(batch: OutgoingBatch): Promise<ExportResult> {
    const errors: string[] = [];
    let lastSkipped: ExportTarget | undefined;
    for (const target of this.targets) {
      const attempt = await target.send(batch);
      if (attempt.ok) return this.succeeded(target, batch);
      if (attempt.skipped) {
        lastSkipped = target;
        continue;
      }
      errors.push(`${target.name}: ${describeExportError(attempt.error)}`);
    }
    // Every circuit refused or every target failed. An open circuit alone must not lose a batch:
    // the lowest-priority target whose circuit refused it (normally the local file) is the last
    // resort and gets it anyway.
    if (lastSkipped) {
      const attempt = await lastSkipped.send(batch, true);
      if (attempt.ok) return this.succeeded(lastSkipped, batch);
      if (!attempt.skipped)
        errors.push(`${lastSkipped.name}: ${describeExportError(attempt.error)}`);
    }
    this.totals.batchesFailed++;
    this.totals.recordsFailed += recordCountOf(batch);
    return {
      code: FAILED,
      error: new Error(
        `FailoverLogRecordExporter: every target failed (${errors.join('; ') || 'no target admitted the batch'})`,
      ),
    };
  }

  private succeeded(target: ExportTarget, batch: OutgoingBatch): ExportResult {
    this.totals.batchesExported++;
    this.totals.recordsExported += recordCountOf(batch);
    if (target !== this.targets[0]) this.replayer?.fallbackWritten();
    return { code: SUCCESS };
  }

  private createReplayer(options: FailoverLogRecordExporterOptions): Replayer | undefined {
    if (options.replay === false || this.targets.length < 2) return undefined;
    const primary = this.targets[0]!;
    const replayOptions = typeof options.replay === 'object' ? options.replay : {};
    const found = this.targets
      .slice(1)
      .map((t) => resolveReplaySource(t.exporter))
      .find((s) => s !== undefined);
    if (!found) {
      if (options.replay !== undefined) {
        diag.warn(
          '@spillway/router: replay requested but no fallback can be replayed (need a ZstdFileLogRecordExporter); replay off',
        );
      }
      return undefined;
    }
    const host: ReplayHost = {
      primary,
      liveInFlight: () => this.inFlight.size,
    };
    return new Replayer(host, found, replayOptions);
  }
}

// A bad option never crashes the app: warn, name the accepted form and the default used.
function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
  emitConfigWarning(
    `FailoverLogRecordExporter: ${name} must be a positive number, got ${String(value)}; using ${fallback}`,
  );
  return fallback;
}
