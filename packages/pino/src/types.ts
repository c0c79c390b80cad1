import type { Context } from '@opentelemetry/api';

/**
 * A record as the bridge emits it: a subset of what both OTel lines' `LogRecord` accepts
 * (severities as numbers, not either line's enum).
 */
export interface PinoBridgeRecord {
  severityNumber?: number;
  severityText?: string;
  body?: unknown;
  attributes?: Record<string, unknown>;
  exception?: unknown;
  eventName?: string;
  context?: Context;
}

/**
 * A logs-API `Logger` of either OTel line (`@opentelemetry/api-logs` on 2.x, `@opentelemetry/api`
 * ≥ 1.10 on 3.x). `enabled` is optional: a logger without it is asked nothing and gets every record.
 */
export interface PinoBridgeLogger {
  emit(record: PinoBridgeRecord): void;
  enabled?(options: { severityNumber?: number; context?: Context; eventName?: string }): boolean;
}

/** Options of {@link SpillwayPinoBridge} and {@link withSpillway}. */
export interface SpillwayPinoOptions {
  /**
   * The OTel logger the records go to. Default: the global logs API's logger
   * `@spillway/pino` (a proxy until an SDK registers its provider, e.g. `@spillway/node/register`,
   * so the pino logger may be made before the SDK starts).
   */
  logger?: PinoBridgeLogger;
}

/** What a bridge did since it was made ({@link SpillwayPinoBridge.getStats}). */
export interface SpillwayPinoStats {
  /** pino records the OTel logger was asked about (`enabled`). */
  asked: number;
  /** Of those, refused: nothing was built for them. */
  refused: number;
  /** Records built and emitted to the OTel logger. */
  emitted: number;
  /**
   * Records whose OTel side failed (a throwing serializer or getter, a line pino could not
   * serialize): not emitted; pino's own output is not affected. The first failure is reported to
   * `diag.warn`.
   */
  failed: number;
}
