import { getHeapStatistics } from 'node:v8';
import { diag } from '@opentelemetry/api';
import { MAX_TIMER_MILLIS } from '../timer-delay';
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

/** The longest delay `setTimeout` honours (a longer one fires after 1 ms, with a warning). */

/**
 * The default byte bound of the queue: a quarter of the V8 heap limit, at least 8 MiB. The SDK's
 * batch processor has no byte bound, so a migrating app that queues maxQueueSize large records
 * (2,048 × 100 kB = 200 MB) must not lose them to ours; a quarter of the heap keeps that while
 * still ending a queue that would take the process down. With an `exportSync` exporter, reaching
 * the bound spills to it instead of dropping.
 */
export function defaultMaxQueueBytes(): number {
  return Math.max(8 * 2 ** 20, Math.floor(getHeapStatistics().heap_size_limit / 4));
}

/**
 * Applies the defaults, the SDK batch processor's where it has the option, with its meaning:
 * 0 is a valid delay or timeout (at once), 0 a valid queue size (nothing queued: with
 * `exportSync` every record is handed over at once, else dropped as `queue_full`); a batch larger
 * than the queue is capped to it. What the SDK would misbehave on (not a number, negative, a
 * batch of 0, a delay past the timer's range) is warned about through `diag` and replaced, never
 * thrown: a migrated configuration must not crash the app at start-up.
 */
export function resolveOptions(o: SamplingLogRecordProcessorOptions): ResolvedOptions {
  const maxQueueSize = count(o.maxQueueSize, 2048, 0, 'maxQueueSize');
  let maxExportBatchSize = count(o.maxExportBatchSize, 512, 1, 'maxExportBatchSize');
  if (maxExportBatchSize > maxQueueSize) {
    const capped = Math.max(1, maxQueueSize);
    diag.warn(
      `SamplingLogRecordProcessor: maxExportBatchSize ${maxExportBatchSize} > maxQueueSize ${maxQueueSize}; using ${capped}`,
    );
    maxExportBatchSize = capped;
  }
  return {
    maxQueueSize,
    maxExportBatchSize,
    maxQueueBytes: count(o.maxQueueBytes, defaultMaxQueueBytes(), 0, 'maxQueueBytes'),
    scheduledDelayMillis: millis(o.scheduledDelayMillis, 1000, 'scheduledDelayMillis'),
    exportTimeoutMillis: millis(o.exportTimeoutMillis, 30_000, 'exportTimeoutMillis'),
    silenceMaxTraces: count(o.silenceMaxTraces, 10_000, 1, 'silenceMaxTraces'),
    silenceTtlMillis: millis(o.silenceTtlMillis, 30_000, 'silenceTtlMillis'),
    // A template's summary comes once per interval: 1 s keeps that to one record a second per
    // thinned template, and smooths enough records per interval for a stable share.
    rateLimitIntervalMillis: Math.max(
      1,
      millis(o.rateLimitIntervalMillis, 1000, 'rateLimitIntervalMillis'),
    ),
  };
}

// An integer ≥ min (fractions rounded down); Infinity means "no bound" for the queue bounds.
function count(v: number | undefined, dflt: number, min: number, name: string): number {
  if (v === undefined) return dflt;
  if (v === Number.POSITIVE_INFINITY && name.startsWith('maxQueue')) return Number.MAX_SAFE_INTEGER;
  if (typeof v === 'number' && Number.isFinite(v) && Math.floor(v) >= min) return Math.floor(v);
  return replaced(name, v, min === 0 ? 'a number ≥ 0' : `a number ≥ ${min}`, dflt);
}

// A delay ≥ 0, at most what a timer can wait.
function millis(v: number | undefined, dflt: number, name: string): number {
  if (v === undefined) return dflt;
  if (typeof v === 'number' && v >= 0 && !Number.isNaN(v)) return Math.min(v, MAX_TIMER_MILLIS);
  return replaced(name, v, 'a number of ms ≥ 0', dflt);
}

function replaced(name: string, v: unknown, expected: string, dflt: number): number {
  diag.warn(
    `SamplingLogRecordProcessor: ${name} must be ${expected}, got ${String(v)}; using ${dflt}`,
  );
  return dflt;
}
