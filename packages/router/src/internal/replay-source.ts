import { unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import {
  type DecodedFrame,
  type FrameProblem,
  listCompressedFiles,
  readFrames,
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
  /** The fallback's directory; undefined until known (see {@link resolveReplaySource}). */
  readonly directory: string | undefined;
  /** Closed files, oldest first: never the file the exporter is writing. */
  closedFiles(): Promise<BacklogFile[]>;
  /** The frames of a file with their OTLP/JSON lines; torn/corrupt frames are skipped and reported. */
  frames(path: string, onProblem: (problem: FrameProblem) => void): AsyncIterable<DecodedFrame>;
  /** Whether the exporter has a file open (left out of {@link closedFiles} until it closes). */
  hasOpenFile(): boolean;
  /** Deletes a fully replayed file and its index. */
  remove(path: string): Promise<void>;
}

// What replay uses of a ZstdFileLogRecordExporter beyond LogRecordExporter. `directory` and
// `rotate()` are not in its API yet (see the README, "Replay"): until they are, the directory comes
// from the `directory` replay option or is learned from the first file the exporter opens, and the
// file being written is left for a later pass (replayed once rotation or shutdown closes it).
interface ZstdExporterSurface {
  readonly currentFile: string | undefined;
  readonly directory?: string;
  rotate?: () => Promise<void>;
  forceFlush(): Promise<void>;
}

/**
 * The replay source of a fallback exporter, when it is a ZstdFileLogRecordExporter. Recognised by
 * shape, not `instanceof`: an app may load two copies of the class (ESM and CJS builds, or a
 * bundled copy), and replay must still find it.
 */
export function resolveReplaySource(
  exporter: LogRecordExporter,
  directory?: string,
): ReplaySource | undefined {
  if (!isZstdFileExporter(exporter)) return undefined;
  return new ZstdReplaySource(exporter, exporter.directory ?? directory);
}

/** Whether an exporter looks like a ZstdFileLogRecordExporter (see {@link resolveReplaySource}). */
function isZstdFileExporter(e: LogRecordExporter): e is LogRecordExporter & ZstdExporterSurface {
  const stats = (e as { getStats?: () => unknown }).getStats;
  return (
    'currentFile' in e &&
    typeof stats === 'function' &&
    typeof (stats.call(e) as { recordsWritten?: unknown }).recordsWritten === 'number'
  );
}

class ZstdReplaySource implements ReplaySource {
  constructor(
    private readonly exporter: ZstdExporterSurface,
    private dir: string | undefined,
  ) {}

  get directory(): string | undefined {
    this.dir ??=
      this.exporter.currentFile === undefined ? undefined : dirname(this.exporter.currentFile);
    return this.dir;
  }

  async closedFiles(): Promise<BacklogFile[]> {
    // Records just handed to the exporter are still in its current frame: write them out first.
    if (this.exporter.rotate) await this.exporter.rotate();
    else await this.exporter.forceFlush();
    const directory = this.directory;
    if (directory === undefined) return [];
    let listed: BacklogFile[];
    try {
      listed = await listCompressedFiles(directory);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    // A file the exporter started creating while we listed may not be its `currentFile` yet:
    // forceFlush waits for its write queue, file creation included, so after it `currentFile`
    // names every file still open among those listed.
    await this.exporter.forceFlush();
    const current = this.exporter.currentFile;
    return listed
      .filter((f) => f.path !== current)
      .map(({ path, name, size }) => ({ path, name, size }));
  }

  hasOpenFile(): boolean {
    return this.directory !== undefined && this.exporter.currentFile !== undefined;
  }

  frames(path: string, onProblem: (problem: FrameProblem) => void): AsyncIterable<DecodedFrame> {
    return readFrames(path, { onProblem });
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
