import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import {
  type DecodedFrame,
  type FrameProblem,
  unparsableLineProblem,
} from '@spillway/file-exporter';
import { OtlpJsonDecoder } from '@spillway/record-format';

/**
 * The records of decoded frames, one batch per OTLP/JSON line, filtered. Resources and scopes
 * are decoded once per read (one decoder per instance), as the file reader shares them.
 */
export class FrameRecords {
  private readonly decoder = new OtlpJsonDecoder();

  constructor(
    private readonly keep: ((r: ReadableLogRecord) => boolean) | undefined,
    private readonly onProblem: (p: FrameProblem) => void,
  ) {}

  /** The frame's matching records, one batch per line; `newestFirst` reverses lines and records. */
  batches(frame: DecodedFrame, newestFirst = false): ReadableLogRecord[][] {
    const out: ReadableLogRecord[][] = [];
    const lines = newestFirst ? [...frame.lines].reverse() : frame.lines;
    for (const line of lines) {
      let records: ReadableLogRecord[];
      try {
        records = this.decoder.decodeLine(line);
      } catch (err) {
        this.onProblem(unparsableLineProblem(frame, err));
        continue;
      }
      if (this.keep) records = records.filter(this.keep);
      if (newestFirst) records.reverse();
      if (records.length > 0) out.push(records);
    }
    return out;
  }
}
