/** Options of {@link WorkerThreadLogRecordExporter}. */
export interface WorkerThreadLogRecordExporterOptions {
  /**
   * The module the worker imports to build the downstream exporter: an absolute path, a `file:`
   * URL, or a package specifier (resolved from this package's folder). Built in the worker, so it
   * reads the worker's `process.env` — a copy of the main thread's at construction.
   */
  module: string | URL;
  /**
   * The module's named export that builds the exporter: `(options) => LogRecordExporter` (or a
   * promise of one). Default `createExporter`.
   */
  exportName?: string;
  /** Handed to that function; must be structured-cloneable (no functions, no class instances). */
  options?: unknown;
  /** How long `forceFlush()` waits for the worker, ms. Default 30000. */
  flushTimeoutMillis?: number;
  /** How long `shutdown()` waits for the worker before terminating it, ms. Default 10000. */
  shutdownTimeoutMillis?: number;
}
