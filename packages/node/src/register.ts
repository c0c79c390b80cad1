// `node --import @spillway/node/register app.js` (ESM) or `node -r @spillway/node/register app.js`
// (CommonJS): starts NodeSDK — traces and metrics from the standard OTEL_* environment, as NodeSDK
// does by itself — with spillway as the logs pipeline, and installs the shutdown hooks
// (see installShutdownHandlers). `OTEL_SDK_DISABLED=true` turns all of it off.
import { NodeSDK } from '@opentelemetry/sdk-node';
import { createLogRecordProcessorFromEnv } from './create-log-record-processor-from-env';
import { installShutdownHandlers } from './install-shutdown-handlers';
import { REGISTERED } from './registered-pipeline';

if (process.env.OTEL_SDK_DISABLED?.trim().toLowerCase() !== 'true') {
  const processor = createLogRecordProcessorFromEnv();
  const sdk = new NodeSDK({ logRecordProcessors: [processor] });
  sdk.start();
  installShutdownHandlers({ processor, shutdown: () => sdk.shutdown() });
  (globalThis as Record<symbol, unknown>)[REGISTERED] = { processor, sdk };
}
