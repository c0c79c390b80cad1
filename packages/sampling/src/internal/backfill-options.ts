import { diag } from '@opentelemetry/api';
import type { BackfillOptions } from '../types';

/** Default `backfill.maxBytes`: 16 MiB of held records (estimated encoded size). */
export const DEFAULT_BACKFILL_MAX_BYTES = 16 * 2 ** 20;
/** Default `backfill.maxBytesPerTrace`: 64 KiB, about 200 records of a typical request. */
export const DEFAULT_BACKFILL_MAX_BYTES_PER_TRACE = 64 * 2 ** 10;
/** Default `backfill.maxHotTraces`: as many as the silencing table tracks by default. */
export const DEFAULT_BACKFILL_MAX_HOT_TRACES = 10_000;
/** The longest window a timer can wait (as the other durations of the processor). */
const MAX_WINDOW_MILLIS = 2 ** 31 - 1;

/** The backfill options with their defaults applied; undefined = backfill off. */
export interface ResolvedBackfill {
  windowMillis: number;
  maxBytes: number;
  maxBytesPerTrace: number;
  maxHotTraces: number;
}

/**
 * Applies the defaults. Off (undefined) when not given or when the window is 0; a bad value is
 * warned about through `diag` and replaced, never thrown, like the processor's other numeric
 * options (a migrated configuration must not crash the app at start-up). A per-trace bound above
 * the total is capped to it.
 */
export function resolveBackfill(o: BackfillOptions | undefined): ResolvedBackfill | undefined {
  if (o === undefined) return undefined;
  const w = o.windowMillis;
  let windowMillis: number;
  if (typeof w === 'number' && w >= 0 && !Number.isNaN(w)) {
    windowMillis = Math.min(Math.floor(w), MAX_WINDOW_MILLIS);
  } else {
    diag.warn(
      `SamplingLogRecordProcessor: backfill.windowMillis must be a number of ms ≥ 0, got ${String(w)}; backfill off`,
    );
    return undefined;
  }
  if (windowMillis === 0) return undefined;
  const maxBytes = size(o.maxBytes, DEFAULT_BACKFILL_MAX_BYTES, 'maxBytes');
  return {
    windowMillis,
    maxBytes,
    maxBytesPerTrace: Math.min(
      maxBytes,
      size(o.maxBytesPerTrace, DEFAULT_BACKFILL_MAX_BYTES_PER_TRACE, 'maxBytesPerTrace'),
    ),
    maxHotTraces: size(o.maxHotTraces, DEFAULT_BACKFILL_MAX_HOT_TRACES, 'maxHotTraces'),
  };
}

// A whole number ≥ 1 (fractions rounded down).
function size(v: number | undefined, dflt: number, name: string): number {
  if (v === undefined) return dflt;
  if (typeof v === 'number' && Number.isFinite(v) && Math.floor(v) >= 1) return Math.floor(v);
  diag.warn(
    `SamplingLogRecordProcessor: backfill.${name} must be a number ≥ 1, got ${String(v)}; using ${dflt}`,
  );
  return dflt;
}
