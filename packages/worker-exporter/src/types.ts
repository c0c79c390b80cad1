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
  /**
   * How much lower than the process's the worker thread's scheduling priority is, as a nice
   * increment (0–19; Linux, where a thread has its own nice value; elsewhere it runs at the
   * process's). Default 10: when the cores are contended, the event loop gets them before the
   * export (which the disk buffer lets fall behind without loss), so serialisation in the worker
   * does not show up as loop delay. 0 runs it at the process's priority.
   */
  priorityIncrement?: number;
}

/** {@link WorkerThreadLogRecordExporter.getStats}: how the batches handed over were encoded. */
export interface WorkerExporterStats {
  /**
   * Batches sent as the payloads the disk buffer's WAL writer had encoded (read back from the WAL
   * after a restart or an outage included): no encode on the calling thread.
   */
  batchesFromStoredPayloads: number;
  /** Batches encoded here: records that did not come straight from a disk buffer's sender. */
  batchesEncoded: number;
  /**
   * Of all batches posted, those that crossed in one of the shared slots (4 of 512 KiB, shared with
   * the worker once) rather than in a buffer allocated and transferred for them: a batch over
   * 512 KiB, or one posted while 4 others are still unread, takes the transferred way.
   */
  batchesInSharedSlots: number;
  /**
   * Batches the worker handed to a downstream that takes request bytes (`exportEncoded`, as
   * `@spillway/node`'s OTLP gRPC exporter has) as one OTLP request transcoded straight from the
   * payloads (`transcodeToOtlpRequest`): no records built in the worker. Counted when answered.
   */
  batchesTranscoded: number;
  /**
   * Batches the worker decoded into records for the downstream's `export`: a downstream without
   * `exportEncoded`, or a fallback (counted in {@link transcodeFallbacks} too). Counted when answered.
   */
  batchesDecoded: number;
  /**
   * Of {@link batchesDecoded}, those the downstream would have taken as bytes but the transcoder
   * declined (a value the encoder would write otherwise, ids kept as text). A batch whose payloads
   * do not read fails its export and is counted in none of these.
   */
  transcodeFallbacks: number;
}
