import { SpillwayPinoBridge } from './spillway-pino-bridge';
import type { SpillwayPinoOptions } from './types';

/**
 * `withSpillway(pino(options, destination))`: the pino logger, bridged to OpenTelemetry through
 * a new {@link SpillwayPinoBridge} (see there for what is sent and guaranteed). Call it once, on
 * the root logger; its children are bridged with it. Use the class instead to read its stats.
 */
export function withSpillway<L extends object>(logger: L, options?: SpillwayPinoOptions): L {
  return new SpillwayPinoBridge(options).attach(logger);
}
