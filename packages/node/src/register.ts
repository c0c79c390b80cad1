// `node --import @spillway/node/register app.js` (ESM) or `node -r @spillway/node/register app.js`
// (CommonJS): starts NodeSDK — traces and metrics from the standard OTEL_* environment, as NodeSDK
// does by itself — with spillway as the logs pipeline, and installs the shutdown hooks
// (see installShutdownHandlers). `OTEL_SDK_DISABLED=true` turns all of it off.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import * as api from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { emitConfigWarning, sdkDisabled } from '@spillway/config';
import { createLogRecordProcessorFromEnv } from './create-log-record-processor-from-env';
import { installShutdownHandlers } from './install-shutdown-handlers';
import { REGISTERED } from './registered-pipeline';

if (!sdkDisabled()) {
  try {
    const processor = createLogRecordProcessorFromEnv();
    const sdk = new NodeSDK({ logRecordProcessors: [processor] });
    sdk.start();
    bridgeLegacyLogsApi();
    installShutdownHandlers({ processor, shutdown: () => sdk.shutdown() });
    (globalThis as Record<symbol, unknown>)[REGISTERED] = { processor, sdk };
  } catch (e) {
    // A preload that throws stops the app before its first line: run it without telemetry instead.
    emitConfigWarning(
      `spillway: could not start (${(e as Error).message}); the app runs without it.`,
    );
  }
}

interface LegacyLogsApi {
  setGlobalLoggerProvider(provider: unknown): unknown;
}

/** Where every copy of `@opentelemetry/api-logs` keeps its global provider. */
const LEGACY_LOGS_KEY = Symbol.for('io.opentelemetry.js.api.logs');

/**
 * On the 3.x line the SDK sets only the logs global inside `@opentelemetry/api` (≥ 1.10). Bridges
 * that still emit through the separate `@opentelemetry/api-logs` package (e.g.
 * `@opentelemetry/winston-transport` 0.34, `instrumentation-pino` before 0.70) read another global
 * and would log into a no-op. When the app can load `api-logs` and its global is unset, point it at
 * the same provider: every copy of `api-logs` shares that one global.
 */
function bridgeLegacyLogsApi(): void {
  const current = (api as unknown as { logs?: { getLoggerProvider(): unknown } }).logs;
  if (current === undefined) return; // 2.x line: the SDK sets the api-logs global itself.
  const from = [join(process.cwd(), 'package.json'), moduleLocation()];
  for (const base of from) {
    let legacy: LegacyLogsApi;
    try {
      legacy = (createRequire(base)('@opentelemetry/api-logs') as { logs: LegacyLogsApi }).logs;
    } catch {
      continue;
    }
    if ((globalThis as Record<symbol, unknown>)[LEGACY_LOGS_KEY] === undefined) {
      legacy.setGlobalLoggerProvider(current.getLoggerProvider());
    }
    return;
  }
}

function moduleLocation(): string {
  // import.meta decides: the CommonJS build's is empty (esbuild); in ESM a global `__filename`
  // may exist, naming no file (a CommonJS `node -e` script sets `[eval]`).
  return (import.meta as { url?: string }).url ?? __filename;
}
