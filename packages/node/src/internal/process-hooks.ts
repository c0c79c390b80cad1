import type { LogsApiLogger, LogsApiRecord } from '@spillway/config';
import { settleWithin } from '@spillway/sampling';

/** What the hooks drive: the pipeline (or anything with these three). */
export interface HookTarget {
  forceFlush(): Promise<void>;
  flushSync(): void;
}

export interface ProcessHooksOptions {
  target: HookTarget;
  /** Full shutdown (e.g. `NodeSDK.shutdown()`), run on a signal nobody else handles. */
  shutdown: () => Promise<void>;
  timeoutMillis: number;
  /** Where the FATAL record of an uncaught exception is emitted; none = not recorded. */
  logger: LogsApiLogger | undefined;
}

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * Installs the process hooks; returns a function that removes them.
 *
 * - SIGTERM/SIGINT: if spillway's handler is the only one for the signal, it shuts down (bounded
 *   by `timeoutMillis`) and then re-raises the signal with the handler removed, so the process
 *   ends exactly as it would have without spillway (killed by that signal, exit status 128+n).
 *   If the app handles the signal itself, the app decides when to exit: spillway only flushes,
 *   and the `exit` hook hands over whatever is logged after that. The bound does not keep the
 *   process alive by itself: a shutdown that holds nothing open while it hangs lets the loop run
 *   dry, and the process ends as a natural exit would.
 * - `beforeExit` (the event loop ran dry: the app ended by itself): a full shutdown, bounded by
 *   the timeout, so what was logged is delivered before the process ends. Once.
 * - `exit`: queued records go to the WAL synchronously (`flushSync`), so `process.exit()` loses
 *   nothing that was logged.
 * - uncaught exceptions (and unhandled rejections, which Node raises as such): recorded as a FATAL
 *   record with `exception.*` attributes through `uncaughtExceptionMonitor`, which runs before
 *   Node's default behaviour and does not change it.
 */
export function installProcessHooks(options: ProcessHooksOptions): () => void {
  const { target, shutdown, timeoutMillis, logger } = options;
  let signalled = false;
  let shutDown = false;
  const onSignal = (signal: NodeJS.Signals) => {
    const alone = process.listenerCount(signal) === 1;
    if (signalled) {
      // A second signal while flushing: the user insists; stop waiting.
      if (alone) reraise(signal);
      return;
    }
    signalled = true;
    shutDown ||= alone;
    const work = alone ? shutdown() : target.forceFlush();
    void settleWithin(work, timeoutMillis).then(() => {
      if (alone) reraise(signal);
    });
  };
  const reraise = (signal: NodeJS.Signals) => {
    uninstall();
    process.kill(process.pid, signal);
  };
  const onBeforeExit = () => {
    if (shutDown) return;
    shutDown = true;
    void settleWithin(shutdown(), timeoutMillis);
  };
  const onExit = () => target.flushSync();
  const onUncaught = (error: unknown, origin: string) => {
    if (!logger) return;
    try {
      logger.emit(fatalRecordOf(error, origin));
    } catch {
      // Never turn one crash into another.
    }
  };
  for (const s of SIGNALS) process.on(s, onSignal);
  process.on('beforeExit', onBeforeExit);
  process.on('exit', onExit);
  process.on('uncaughtExceptionMonitor', onUncaught);
  const uninstall = () => {
    for (const s of SIGNALS) process.off(s, onSignal);
    process.off('beforeExit', onBeforeExit);
    process.off('exit', onExit);
    process.off('uncaughtExceptionMonitor', onUncaught);
  };
  return uninstall;
}

function fatalRecordOf(error: unknown, origin: string): LogsApiRecord {
  const e = error instanceof Error ? error : undefined;
  const type = e ? e.name || e.constructor?.name || 'Error' : typeof error;
  const message = e ? e.message : String(error);
  const attributes: Record<string, string> = {
    'exception.type': type,
    'exception.message': message,
  };
  if (e?.stack) attributes['exception.stacktrace'] = e.stack;
  return {
    // FATAL; a number, not the enum: the 2.x and 3.x lines export distinct enum types.
    severityNumber: 21,
    severityText: 'FATAL',
    body: `${origin === 'unhandledRejection' ? 'Unhandled rejection' : 'Uncaught exception'}: ${type}: ${message}`,
    attributes,
  };
}
