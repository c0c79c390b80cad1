const SETTLED = Promise.resolve();

/**
 * Runs `fn` once the current call stack has returned (a microtask), for work the write path must
 * not pay before `exportSync` or a FATAL `emit` returns. A reaction on a settled promise, not
 * `queueMicrotask`: Node's makes an AsyncResource and a bound function per call (about 3× the
 * cost, measured on Node 20). A throw in `fn` would be an unhandled rejection: `fn` catches.
 */
export function afterReturn(fn: () => void): void {
  SETTLED.then(fn);
}
