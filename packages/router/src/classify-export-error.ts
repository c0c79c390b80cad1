/**
 * What a failed export says about its target, decided from the `ExportResult.error` that the
 * OTLP exporters actually return:
 * - gRPC (`@opentelemetry/exporter-logs-otlp-grpc`): the `@grpc/grpc-js` `ServiceError`, an `Error`
 *   with a numeric `code` (the gRPC status, 0–16), `details` and `metadata`.
 * - HTTP (`exporter-logs-otlp-http`/`-proto`): `OTLPExporterError` with `code` = the HTTP status
 *   (≥ 100), or a Node network error with a string `code` (`ECONNREFUSED`, …), or
 *   `Error('Request timed out')`.
 * - Anything else (file exporters: `ENOSPC`, `EACCES`, …; a thrown exception; no error at all).
 *
 * | class       | effect                                                  | examples                                                                                             |
 * |-------------|---------------------------------------------------------|------------------------------------------------------------------------------------------------------|
 * | `transient` | counts towards opening the circuit; next target         | gRPC CANCELLED, UNKNOWN, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, OUT_OF_RANGE, INTERNAL, UNAVAILABLE, DATA_LOSS; HTTP 408, 429, 5xx but 501; network errors; timeouts; unknown errors |
 * | `target`    | counts towards opening the circuit; next target         | gRPC NOT_FOUND, PERMISSION_DENIED, UNIMPLEMENTED, UNAUTHENTICATED; HTTP 401, 403, 404, 405, 501      |
 * | `batch`     | circuit untouched (the target answered); counted; next target | gRPC INVALID_ARGUMENT, ALREADY_EXISTS, FAILED_PRECONDITION; HTTP 400, 422 and other 4xx |
 * | `too_large` | as `batch`; replay splits the batch to isolate the record(s) too large | gRPC RESOURCE_EXHAUSTED saying a message is larger than the limit (grpc-js: "Received message larger than max (… vs. 4194304)"); HTTP 413 |
 */
export type ExportErrorClass = 'transient' | 'target' | 'batch' | 'too_large';

// What grpc-js (client or server side) and collectors say when a message exceeds the size limit;
// any other RESOURCE_EXHAUSTED (a rate limit, a full queue) stays transient.
const TOO_LARGE = /larger than (?:the )?max|message (?:size|length)|too large/i;

// gRPC status codes (grpc/doc/statuscodes.md), by number so '@grpc/grpc-js' need not be loaded.
const GRPC_CLASSES: Record<number, ExportErrorClass> = {
  1: 'transient', // CANCELLED: a collector shutting down cancels the calls in flight
  2: 'transient', // UNKNOWN
  3: 'batch', // INVALID_ARGUMENT
  4: 'transient', // DEADLINE_EXCEEDED
  5: 'target', // NOT_FOUND
  6: 'batch', // ALREADY_EXISTS
  7: 'target', // PERMISSION_DENIED
  8: 'transient', // RESOURCE_EXHAUSTED
  9: 'batch', // FAILED_PRECONDITION
  10: 'transient', // ABORTED
  11: 'transient', // OUT_OF_RANGE
  12: 'target', // UNIMPLEMENTED
  13: 'transient', // INTERNAL
  14: 'transient', // UNAVAILABLE
  15: 'transient', // DATA_LOSS
  16: 'target', // UNAUTHENTICATED
};

const HTTP_TARGET = new Set([401, 403, 404, 405, 501]);

function classifyHttpStatus(status: number): ExportErrorClass {
  if (HTTP_TARGET.has(status)) return 'target';
  if (status === 408 || status === 429 || status >= 500) return 'transient';
  if (status >= 400) return 'batch';
  return 'transient';
}

/**
 * Classifies an `ExportResult.error` (see the table above). Use it to decide whether a failure
 * is the target's (it trips the circuit) or the batch's (the next target gets it, the circuit
 * stays as it is).
 */
export function classifyExportError(error: unknown): ExportErrorClass {
  if (typeof error !== 'object' || error === null) return 'transient';
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'number' && Number.isInteger(code)) {
    if (code === 413) return 'too_large';
    if (code === 8 && TOO_LARGE.test(describeExportError(error))) return 'too_large';
    if (code >= 100) return classifyHttpStatus(code);
    return GRPC_CLASSES[code] ?? 'transient';
  }
  return 'transient';
}

/** A short, one-line description of an export error for stats and diagnostics. */
export function describeExportError(error: unknown): string {
  if (error instanceof Error) return error.message.split('\n', 1)[0] ?? error.name;
  if (error === undefined) return 'export failed without an error';
  return String(error);
}
