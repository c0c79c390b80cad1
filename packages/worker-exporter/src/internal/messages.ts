import type { SharedSlotsSetup } from './shared-slots';

/**
 * The messages between {@link WorkerThreadLogRecordExporter} and its worker. Everything here is
 * structured-cloneable; a batch travels as the disk buffer's record codec payloads (hand-over.ts)
 * in a shared slot, or in one transferred buffer, so the main thread never builds protobuf.
 */

/** `workerData`: what the worker builds its downstream exporter from. */
export interface WorkerSetup {
  /** A file URL or a specifier the worker script can import. */
  module: string;
  exportName: string;
  options: unknown;
  /** Nice steps the worker thread lowers its own priority by at start (thread-priority.ts). */
  priorityIncrement: number;
  /** The slots batches cross in (shared-slots.ts). */
  slots: SharedSlotsSetup;
}

export type Request =
  | {
      type: 'export';
      id: number;
      /** The payloads in a buffer of their own (transferred), or undefined: in `slot`. */
      bytes: Uint8Array | undefined;
      /** The shared slot holding the payloads' first `size` bytes; -1 when `bytes` has them. */
      slot: number;
      size: number;
      lengths: number[];
      count: number;
    }
  | { type: 'flush'; id: number }
  | { type: 'shutdown'; id: number };

/**
 * How the worker handed an export to its downstream: as request bytes transcoded from the
 * payloads, as decoded records (a downstream without `exportEncoded`), or as decoded records
 * after the transcoder declined (`fallback`).
 */
export type ExportPath = 'transcoded' | 'decoded' | 'fallback';

/** The worker's answer to the request with the same `id`; `error` set when it failed. */
export interface Reply {
  type: 'reply';
  id: number;
  /** `ExportResultCode` for exports. */
  code: number;
  error?: { name: string; message: string };
  /** For an export the worker handed downstream. */
  path?: ExportPath;
}

/** Sent once the downstream exporter is built, or could not be (`error` set). */
export interface Started {
  type: 'started';
  error?: { name: string; message: string };
}

export function serialiseError(e: unknown): { name: string; message: string } {
  return e instanceof Error
    ? { name: e.name, message: e.message }
    : { name: 'Error', message: String(e) };
}
