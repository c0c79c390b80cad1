import { diag } from '@opentelemetry/api';
import type { SamplingLogRecordProcessorOptions } from '../types';

/** The numeric options with their defaults applied. */
export interface ResolvedOptions {
  maxQueueSize: number;
  maxQueueBytes: number;
  maxExportBatchSize: number;
  scheduledDelayMillis: number;
  exportTimeoutMillis: number;
  silenceMaxTraces: number;
  silenceTtlMillis: number;
  rateLimitIntervalMillis: number;
}

/**
 * Applies the defaults (the SDK batch processor's where it has the option). A batch larger than
 * the queue is capped with a warning, as the SDK does. @throws RangeError for a non-positive value.
 */
export function resolveOptions(o: SamplingLogRecordProcessorOptions): ResolvedOptions {
  const maxQueueSize = positive(o.maxQueueSize, 2048, 'maxQueueSize');
  let maxExportBatchSize = positive(o.maxExportBatchSize, 512, 'maxExportBatchSize');
  if (maxExportBatchSize > maxQueueSize) {
    diag.warn(
      `SamplingLogRecordProcessor: maxExportBatchSize ${maxExportBatchSize} > maxQueueSize ${maxQueueSize}; using ${maxQueueSize}`,
    );
    maxExportBatchSize = maxQueueSize;
  }
  return {
    maxQueueSize,
    maxExportBatchSize,
    maxQueueBytes: positive(o.maxQueueBytes, 8 * 1024 * 1024, 'maxQueueBytes'),
    scheduledDelayMillis: positive(o.scheduledDelayMillis, 1000, 'scheduledDelayMillis'),
    exportTimeoutMillis: positive(o.exportTimeoutMillis, 30_000, 'exportTimeoutMillis'),
    silenceMaxTraces: positive(o.silenceMaxTraces, 10_000, 'silenceMaxTraces'),
    silenceTtlMillis: positive(o.silenceTtlMillis, 30_000, 'silenceTtlMillis'),
    rateLimitIntervalMillis: positive(o.rateLimitIntervalMillis, 100, 'rateLimitIntervalMillis'),
  };
}

function positive(v: number | undefined, dflt: number, name: string): number {
  if (v === undefined) return dflt;
  if (!(typeof v === 'number' && Number.isFinite(v) && v > 0)) {
    throw new RangeError(`SamplingLogRecordProcessor: ${name} must be a positive number, got ${v}`);
  }
  return Math.floor(v) || 1;
}
