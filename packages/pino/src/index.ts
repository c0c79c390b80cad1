export { SpillwayPinoBridge } from './spillway-pino-bridge';
export type {
  PinoBridgeLogger,
  PinoBridgeRecord,
  SpillwayPinoOptions,
  SpillwayPinoStats,
} from './types';
export { withSpillway } from './with-spillway';
