import { type PropertiesOptions, spillwayConfigFromProperties } from '@spillway/config';
import { fromReport } from './create-log-record-processor-from-env';
import type { SpillwayLogRecordProcessor } from './spillway-log-record-processor';
import type { SpillwayOverrides } from './types';

/**
 * The pipeline from a `spillway` processor's property map, as a declarative configuration file
 * gives it under `logger_provider.processors[].spillway` (after `${VAR}` substitution):
 *
 * ```ts
 * createSpillwayProcessorFromConfig({ directory: '/var/lib/app/spillway', sampling: { ratios: { info: 0.01 } } });
 * ```
 *
 * Shaped as the `create(properties)` of a `PluginComponentProvider`, for when the OpenTelemetry
 * JS SDK's file configuration accepts third-party processors; until then, use it where you build
 * the SDK yourself. Warns like `createLogRecordProcessorFromEnv` and never throws for
 * configuration; the environment's `SPILLWAY_*` variables play no part.
 */
export function createSpillwayProcessorFromConfig(
  properties: Record<string, unknown>,
  options: PropertiesOptions & SpillwayOverrides = {},
): SpillwayLogRecordProcessor {
  const { cgroupRoot, serviceName, ...overrides } = options;
  const report = spillwayConfigFromProperties(properties, { cgroupRoot, serviceName });
  return fromReport(report, process.env, { ...overrides, serviceName });
}
