/**
 * An AbortSignal that SIGINT (Ctrl-C) and SIGTERM abort, for commands that run until stopped
 * (`cat -f`, `tail -f`): they end their read, flush stdout and exit with their normal code
 * instead of dying mid-line. `dispose()` removes the handlers.
 */
export function abortOnInterrupt(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    },
  };
}
