import { context, diag } from '@opentelemetry/api';
import { globalLogsApi } from '@spillway/config';
import { type PinoLike, type PinoSymbols, pinoSymbolsOf } from './internal/pino-internals';
import { PinoRecordBuilder } from './internal/pino-record-builder';
import { severityOfPinoLevel } from './internal/severity-of-pino-level';
import type {
  PinoBridgeLogger,
  PinoBridgeRecord,
  SpillwayPinoOptions,
  SpillwayPinoStats,
} from './types';

type Write = (this: PinoLike, obj: unknown, msg: unknown, level: number) => void;

// Marks a write step this package installed, so a logger (or a child of one) is bridged once.
const BRIDGED = Symbol('spillway.pino.bridged');
const NOOP_LOGGER: PinoBridgeLogger = { emit() {}, enabled: () => false };

/**
 * Sends a pino logger's records to an OTel logger, asking the logger's `enabled()` — the
 * sampling decision of `@spillway/sampling` — before anything is built: a refused record costs
 * one call, not a serialization, a JSON parse and a LogRecord. Kept records are built from the
 * pino call itself (merged object → attributes, message → body, level → severity number and
 * text, child bindings → attributes, the active OTel context → trace and span id).
 *
 * Use it instead of `@opentelemetry/instrumentation-pino`'s log sending (keep that
 * instrumentation for log correlation with `disableLogSending: true`). It installs itself in
 * pino's write step (`pino.symbols.writeSym`): the step that receives the message after pino's
 * own interpolation, so the body is exactly pino's `msg`.
 *
 * Guarantees: pino's own output is unchanged byte for byte (the original write step runs for
 * every record, after the OTel side); nothing the OTel side does throws into the caller (a
 * failure is counted in {@link getStats}); records of a logger pino redacts (`redact`) or
 * rewrites (`formatters.log`, `nestedKey`) are built from pino's serialized line, so redacted
 * values never reach OTel. Not included: `mixin` output (pino calls the mixin once, for its line).
 */
export class SpillwayPinoBridge {
  private readonly otel: PinoBridgeLogger;
  private readonly stats: SpillwayPinoStats = { asked: 0, refused: 0, emitted: 0, failed: 0 };
  // One options object, rewritten per ask: the refused path allocates nothing.
  private readonly ask: { severityNumber?: number; context?: ReturnType<typeof context.active> } =
    {};

  constructor(options: SpillwayPinoOptions = {}) {
    this.otel = options.logger ?? globalLogsApi()?.getLogger('@spillway/pino') ?? NOOP_LOGGER;
  }

  /**
   * Bridges `logger` and every child it has or will have (children share its write step);
   * returns it. A logger already bridged (or a child of one) is returned unchanged. Throws a
   * `TypeError` for an object that is not a pino logger.
   */
  attach<L extends object>(logger: L): L {
    const sym = pinoSymbolsOf(logger);
    const target = logger as unknown as PinoLike;
    const original = target[sym.write] as Write & { [BRIDGED]?: true };
    if (original[BRIDGED]) return logger;
    const write = this.writeStep(original, sym);
    target[sym.write] = write;
    return logger;
  }

  /** Counts since the bridge was made (a snapshot). */
  getStats(): SpillwayPinoStats {
    return { ...this.stats };
  }

  private writeStep(original: Write, sym: PinoSymbols): Write {
    const bridge = this;
    const builder = new PinoRecordBuilder(sym);
    const write: Write & { [BRIDGED]?: true } = function (this: PinoLike, obj, msg, level) {
      bridge.send(this, builder, obj, msg, level);
      original.call(this, obj, msg, level);
    };
    write[BRIDGED] = true;
    return write;
  }

  // The OTel side of one record; never throws.
  private send(
    logger: PinoLike,
    builder: PinoRecordBuilder,
    obj: unknown,
    msg: unknown,
    level: number,
  ): void {
    const stats = this.stats;
    try {
      const severityNumber = severityOfPinoLevel(level);
      const ctx = context.active();
      stats.asked++;
      if (this.otel.enabled !== undefined) {
        const ask = this.ask;
        ask.severityNumber = severityNumber;
        ask.context = ctx;
        if (!this.otel.enabled(ask)) {
          stats.refused++;
          return;
        }
      }
      const built = builder.build(logger, obj, msg, level);
      const record: PinoBridgeRecord = {
        severityNumber,
        severityText: logger.levels?.labels?.[level],
        body: built.body,
        attributes: built.attributes,
        context: ctx,
      };
      if (built.exception !== undefined) record.exception = built.exception;
      if (built.eventName !== undefined) record.eventName = built.eventName;
      this.otel.emit(record);
      stats.emitted++;
    } catch (e) {
      if (stats.failed++ === 0) {
        diag.warn(`@spillway/pino: a record was not sent to OpenTelemetry: ${describe(e)}`);
      }
    }
  }
}

function describe(e: unknown): string {
  try {
    return e instanceof Error ? e.message : String(e);
  } catch {
    return 'unprintable error';
  }
}
