import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { type FollowPosition, followFrames, type ReadFramesOptions } from '@spillway/file-exporter';
import { FrameRecords } from './frame-records';
import { abortOnInterrupt } from './interrupt';
import type { ProblemLog } from './problem-log';
import type { RecordPrinter } from './record-printer';

/** What {@link followRecords} follows and where its records go. */
export interface FollowRecordsOptions {
  /** Frame filters (time, severity) judged from frame headers, and the keys of encrypted files. */
  frames: Pick<ReadFramesOptions, 'since' | 'until' | 'minSeverity' | 'encryption'>;
  keep: ((r: ReadableLogRecord) => boolean) | undefined;
  /** Per file, where to go on from (`tail`); other files are followed from their start. */
  start?: ReadonlyMap<string, FollowPosition>;
  printer: RecordPrinter;
  problems: ProblemLog;
}

/**
 * Prints the records of frames as writers append them to `path` (a directory or a file), each
 * frame's records flushed at once, until SIGINT/SIGTERM, the printer's limit, or a closed pipe.
 */
export async function followRecords(path: string, o: FollowRecordsOptions): Promise<void> {
  const interrupt = abortOnInterrupt();
  const records = new FrameRecords(o.keep, o.problems.report);
  try {
    const frames = followFrames(path, {
      ...o.frames,
      ...(o.start ? { start: o.start } : {}),
      signal: interrupt.signal,
      onProblem: o.problems.report,
    });
    for await (const frame of frames) {
      for (const batch of records.batches(frame)) await o.printer.print(batch);
      await o.printer.flush();
      if (o.printer.done) break;
    }
  } finally {
    interrupt.dispose();
  }
}
