import type { NodeSDK } from '@opentelemetry/sdk-node';
import type { SpillwayLogRecordProcessor } from './spillway-log-record-processor';

// A global symbol, not a module variable: `@spillway/node/register` and `@spillway/node` are built
// as separate bundles (and may be loaded once as ESM and once as CommonJS), so they share no module
// state.
export const REGISTERED = Symbol.for('@spillway/node/registered');

/** What `@spillway/node/register` started. */
export interface RegisteredPipeline {
  processor: SpillwayLogRecordProcessor;
  sdk: NodeSDK;
}

/**
 * The pipeline `@spillway/node/register` started in this process, or undefined (not preloaded,
 * or `OTEL_SDK_DISABLED=true`): for an app that wants its stats or to change its policy.
 */
export function getRegisteredPipeline(): RegisteredPipeline | undefined {
  return (globalThis as Record<symbol, RegisteredPipeline | undefined>)[REGISTERED];
}
