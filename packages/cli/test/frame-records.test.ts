import type { DecodedFrame, FrameProblem } from '@spillway/file-exporter';
import { toOtlpJsonLogsData } from '@spillway/record-format';
import { SyntheticRecordGenerator, toReadableLogRecords } from '@spillway/testing';
import { describe, expect, it } from 'vitest';
import { FrameRecords } from '../src/internal/frame-records';

// A frame whose checksum held but one of whose lines is not JSON (a writer bug): the line is one
// `corrupt` problem, worded as the file exporter's own reader words it, and its neighbours are read.
describe('FrameRecords', () => {
  it('should report a line that is not JSON as one corrupt problem and read the other lines', () => {
    const records = toReadableLogRecords(new SyntheticRecordGenerator({ seed: 7 }).take(4));
    const line = (i: number) => JSON.stringify(toOtlpJsonLogsData([records[i]!]));
    const frame: DecodedFrame = {
      path: '/data/files/app-20260101-000000.zst',
      frameIndex: 3,
      offset: 4096,
      length: 200,
      records: 3,
      minTimeUnixNano: 0n,
      maxTimeUnixNano: 0n,
      maxSeverity: 17,
      rawLength: 900,
      lines: [line(0), '{"resourceLogs": [', line(2)],
    };
    const problems: FrameProblem[] = [];
    const batches = new FrameRecords(undefined, (p) => problems.push(p)).batches(frame);
    expect(batches.map((b) => b.map((r) => r.body))).toEqual([
      [records[0]!.body],
      [records[2]!.body],
    ]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({
      kind: 'corrupt',
      path: frame.path,
      offset: 4096,
      records: 1,
      recordsUnknown: true,
      maxSeverity: 17,
    });
    expect(problems[0]!.message).toMatch(/^frame 3 at offset 4096: line is not JSON \(/);
  });
});
