import { globalLogsApi, type LogsApiLogger } from '@spillway/config';
import { type HookTarget, installProcessHooks } from './internal/process-hooks';

/** Options of {@link installShutdownHandlers}. */
export interface ShutdownHandlersOptions {
  /** The pipeline (`createLogRecordProcessorFromEnv()`'s result). */
  processor: HookTarget & { shutdown(): Promise<void> };
  /** Full shutdown on a signal, e.g. `() => sdk.shutdown()`. Default: `processor.shutdown()`. */
  shutdown?: () => Promise<void>;
  /** Bound of the signal-time flush, ms. Default: `SPILLWAY_SHUTDOWN_TIMEOUT_MS`, else 5000. */
  timeoutMillis?: number;
  /**
   * Logger for the FATAL record of an uncaught exception: any logs-API `Logger`, of either OTel
   * line (`logs.getLogger()` from `@opentelemetry/api` ≥ 1.10 or `@opentelemetry/api-logs`).
   * Default: the global logs API's.
   */
  logger?: LogsApiLogger;
}

/**
 * The process hooks `@spillway/node/register` installs, for apps that build their SDK themselves:
 * SIGTERM/SIGINT flush and shut down within the timeout, then the process ends as it otherwise
 * would (an app that handles the signal itself keeps control); `exit` hands queued records to the
 * WAL synchronously; an uncaught exception is recorded as a FATAL record with `exception.*`
 * attributes before Node's default behaviour continues. Returns a function removing the hooks.
 */
export function installShutdownHandlers(options: ShutdownHandlersOptions): () => void {
  const { processor } = options;
  const configured = (processor as { config?: { shutdownTimeoutMillis?: number } }).config;
  return installProcessHooks({
    target: processor,
    shutdown: options.shutdown ?? (() => processor.shutdown()),
    timeoutMillis: options.timeoutMillis ?? configured?.shutdownTimeoutMillis ?? 5000,
    logger: options.logger ?? globalLogsApi()?.getLogger('@spillway/node'),
  });
}
