/*
 * Buffers for OTLP requests, lent and given back, so that a steady stream of exports reuses a few
 * buffers instead of allocating one of the request's size per export.
 *
 * Why: V8 counts every ArrayBuffer's bytes as external memory, and a rise of external memory since
 * the last full collection starts the next one, whatever the heap holds. Each export used to bring
 * a new request-sized buffer (plus the gRPC frame grpc-js makes of it): on the main thread, in
 * the pino-anchor benchmark, most full collections of a ~200 MB heap were started that way; in
 * the export worker, its heap being small, they came every few batches (bench/RESULTS.md).
 *
 *   lendCopy(bytes) ─► a resizable ArrayBuffer from `free` (or a new one), resized to the request
 *                      and filled: a view of all of it, so the gRPC transport takes it uncopied
 *   release()       ─► back into `free` (at most KEPT), to be resized for the next request
 *
 * A resize that shrinks gives the memory back at once and one that grows counts only the growth,
 * so the external memory of a lent buffer moves with the requests instead of rising per export.
 * The contract is the caller's: `release` once nothing reads the bytes (the export's callback,
 * once the transport is done with them). A buffer never released is only garbage, collected as any.
 */

/** Requests above this are copied into a buffer of their own (as when not lending). */
const MAX_LENT_BYTES = 8 * 1024 * 1024;
/** Buffers kept for reuse: the exports in flight at once, with room to spare. */
const KEPT = 4;

type ResizableArrayBuffer = ArrayBuffer & { resize(byteLength: number): void };
const Resizable = ArrayBuffer as unknown as new (
  byteLength: number,
  options: { maxByteLength: number },
) => ResizableArrayBuffer;

const free: ResizableArrayBuffer[] = [];
const noop = (): void => {};

/** A copy of `bytes` in a lent buffer (the view covers all of it), and how to give it back. */
export function lendCopy(bytes: Uint8Array): { bytes: Uint8Array; release: () => void } {
  const n = bytes.length;
  // Uint8Array's slice copies (a Buffer's own `slice` would be a view of the writer).
  if (n > MAX_LENT_BYTES) return { bytes: Uint8Array.prototype.slice.call(bytes), release: noop };
  const buffer = free.pop() ?? new Resizable(0, { maxByteLength: MAX_LENT_BYTES });
  buffer.resize(n);
  const lent = new Uint8Array(buffer, 0, n);
  lent.set(bytes);
  let given = false;
  const release = (): void => {
    if (given) return;
    given = true;
    if (free.length < KEPT) free.push(buffer);
  };
  return { bytes: lent, release };
}

/** Buffers waiting to be lent again (for tests). */
export function freeRequestBuffers(): number {
  return free.length;
}
