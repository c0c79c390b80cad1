import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { encodeLogsDataLine } from '@spillway/record-format';
import { describe, expect, it } from 'vitest';
import { readLogRecords, ZstdFileLogRecordExporter } from '../src/index';
import { generatedRecords, tempDir } from './helpers';

/**
 * How many exports in a row call back at once when cut frames may hold `bound` frames' worth of
 * raw bytes before export() waits: a frame is cut when it reaches `frameBytes`.
 */
function callbacksAtOnce(lineBytes: number[], frameBytes: number, bound: number): number {
  let filling = 0;
  let queued = 0;
  for (let i = 0; i < lineBytes.length; i++) {
    filling += lineBytes[i]!;
    if (filling >= frameBytes) {
      queued += filling;
      filling = 0;
    }
    if (queued > bound * frameBytes) return i;
  }
  return lineBytes.length;
}

// While more than one frame's raw bytes wait for compression and the disk, export() holds its
// callback back until they are written: memory stays at a frame in the writer and one filling.
describe('export backpressure', () => {
  it('calls back at once while at most one frame waits, and only after the writes past that', async () => {
    const directory = tempDir();
    const frameBytes = 64 * 1024;
    const exporter = new ZstdFileLogRecordExporter({ directory, minFreeBytes: 0, frameBytes });
    const records = generatedRecords(4000, { seed: 11 });
    const batches: ReadableLogRecord[][] = [];
    for (let i = 0; i < records.length; i += 10) batches.push(records.slice(i, i + 10));
    const lineBytes = batches.map((b) => Buffer.byteLength(`${encodeLogsDataLine(b)}\n`));
    // All exported in one synchronous run: no compression or write can finish meanwhile.
    const calledAtOnce: boolean[] = [];
    const done: Promise<number>[] = [];
    for (const batch of batches) {
      let sync = true;
      done.push(
        new Promise((resolve) => {
          exporter.export(batch, (r) => {
            calledAtOnce.push(sync);
            resolve(r.code);
          });
        }),
      );
      sync = false;
    }
    const atOnce = calledAtOnce.length;
    expect(atOnce).toBe(callbacksAtOnce(lineBytes, frameBytes, 1));
    // The input tells the bounds apart: with four frames waiting allowed, more would call back.
    expect(callbacksAtOnce(lineBytes, frameBytes, 4)).toBeGreaterThan(atOnce);
    expect(atOnce).toBeLessThan(batches.length);
    expect(await Promise.all(done)).toEqual(batches.map(() => 0));
    expect(calledAtOnce.slice(0, atOnce).every((x) => x)).toBe(true);
    expect(calledAtOnce.slice(atOnce).every((x) => !x)).toBe(true);
    await exporter.shutdown();
    let n = 0;
    for await (const _ of readLogRecords(directory)) n++;
    expect(n).toBe(records.length);
  });
});
