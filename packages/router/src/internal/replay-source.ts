import { unlink } from 'node:fs/promises';
import { diag } from '@opentelemetry/api';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import {
  isZstdFileLogRecordExporter,
  listCompressedFiles,
  openReplayCursor,
  type ReplayCursor,
  type ReplayCursorOptions,
} from '@spillway/file-exporter';

/** A fallback file waiting for replay. */
export interface BacklogFile {
  path: string;
  name: string;
  /** Bytes of the .zst file. */
  size: number;
}

/** What replay needs from a fallback target: its closed files, their frames, and deletion. */
export interface ReplaySource {
  readonly directory: string;
  /**
   * Closed files, oldest first, after closing the one being written (so everything exported to
   * the fallback so far is included): never a file the exporter is writing.
   */
  closedFiles(): Promise<BacklogFile[]>;
  /**
   * Every file waiting, the one being written included, without closing it: what the backlog is
   * between passes. Cheap (a directory listing), so it may run after every fallback write.
   */
  pendingFiles(): Promise<BacklogFile[]>;
  /** Delivery of a file from a position; torn/corrupt parts are skipped and reported. */
  open(path: string, options: ReplayCursorOptions): ReplayCursor;
  /** Deletes a fully replayed file and its index. */
  remove(path: string): Promise<void>;
}

// What replay uses of a ZstdFileLogRecordExporter beyond LogRecordExporter.
interface ZstdExporterSurface {
  readonly directory: string;
  readonly currentFile: string | undefined;
  rotate(): Promise<void>;
  forceFlush(): Promise<void>;
}

/**
 * The replay source of a fallback exporter, when it is a ZstdFileLogRecordExporter. Recognised by
 * the class's brand (`isZstdFileLogRecordExporter`), which holds across two copies of the class
 * (ESM and CJS builds, or a bundled copy) where `instanceof` would not.
 */
export function resolveReplaySource(exporter: LogRecordExporter): ReplaySource | undefined {
  if (!isZstdFileLogRecordExporter(exporter)) return undefined;
  return new ZstdReplaySource(exporter as LogRecordExporter & ZstdExporterSurface);
}

class ZstdReplaySource implements ReplaySource {
  readonly directory: string;

  constructor(private readonly exporter: ZstdExporterSurface) {
    this.directory = exporter.directory;
  }

  async closedFiles(): Promise<BacklogFile[]> {
    await this.exporter.rotate();
    const listed = await this.pendingFiles();
    // A live batch may have reopened a file since rotate(), and one the exporter started creating
    // while we listed may not be its `currentFile` yet: forceFlush waits for its write queue, file
    // creation included, so after it `currentFile` names every file still open among those listed.
    await this.exporter.forceFlush();
    const current = this.exporter.currentFile;
    return listed.filter((f) => f.path !== current);
  }

  async pendingFiles(): Promise<BacklogFile[]> {
    try {
      // A directory or FIFO named *.zst is left out of the backlog (never opened) and named once
      // per listing in diag.
      const listed = await listCompressedFiles(this.directory, {
        onProblem: (p) => diag.warn(`@spillway/router: replay: ${p.message}`),
      });
      return listed.map(({ path, name, size }) => ({ path, name, size }));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  open(path: string, options: ReplayCursorOptions): ReplayCursor {
    return openReplayCursor(path, options);
  }

  async remove(path: string): Promise<void> {
    for (const p of [path, `${path}.idx`]) {
      try {
        await unlink(p);
      } catch (error) {
        // Retention of the exporter may have deleted it first.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
  }
}
