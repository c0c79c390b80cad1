// `node --import @spillway/node/register app.js` (ESM) or `node -r @spillway/node/register app.js`
// (CommonJS): starts NodeSDK — traces and metrics from the standard OTEL_* environment, as NodeSDK
// does by itself — with spillway as the logs pipeline, and installs the shutdown hooks
// (see installShutdownHandlers). `OTEL_SDK_DISABLED=true` turns all of it off.
import { NodeSDK } from '@opentelemetry/sdk-node';
import { emitConfigWarning } from '@spillway/record-format';
import { createLogRecordProcessorFromEnv } from './create-log-record-processor-from-env';
import { installShutdownHandlers } from './install-shutdown-handlers';
import { REGISTERED } from './registered-pipeline';

if (process.env.OTEL_SDK_DISABLED?.trim().toLowerCase() !== 'true') {
  try {
    const processor = createLogRecordProcessorFromEnv();
    const sdk = new NodeSDK({ logRecordProcessors: [processor] });
    sdk.start();
    installShutdownHandlers({ processor, shutdown: () => sdk.shutdown() });
    (globalThis as Record<symbol, unknown>)[REGISTERED] = { processor, sdk };
  } catch (e) {
    // A preload that throws stops the app before its first line: run it without telemetry instead.
    emitConfigWarning(
      `spillway: could not start (${(e as Error).message}); the app runs without it.`,
    );
  }
}
