import { createHook } from 'node:async_hooks';
import * as fs from 'node:fs';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { crc32 } from '@spillway/record-format';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DiskBufferedLogRecordExporter, decodeLogRecordBatch } from '../src/index';
import { FRAME_HEADER_BYTES } from '../src/internal/wal-format';
import { walIo } from '../src/internal/wal-segment';
import { CollectingExporter } from './helpers/collecting-exporter';
import { generatedRecords, removeTempDirs, tempDir } from './helpers/records';
import { frames, segments } from './helpers/wal-files';

// What a FATAL emit pays inside `exportSync`, checked by counting rather than timing: the records
// are in the file when it returns, read by a reader of its own, under every policy; and nothing is
// started on the caller's stack but the one write (no libuv request, timer or immediate; the
// free-space refresh and the sender's wake-up run after it returns).

const real = { ...walIo };
const POLICIES = ['always', 'interval', 'never'] as const;

afterEach(() => {
  Object.assign(walIo, real);
  vi.useRealTimers();
  removeTempDirs();
});

function setup(policy: (typeof POLICIES)[number]) {
  const dir = tempDir();
  const down = new CollectingExporter();
  down.failing = true; // collector down: nothing is delivered, the WAL keeps everything
  const exporter = new DiskBufferedLogRecordExporter({
    exporter: down,
    directory: dir,
    fsync: policy === 'interval' ? { intervalMillis: 60_000 } : policy,
    retry: { initialMillis: 60_000, maxMillis: 60_000 },
    shutdownTimeoutMillis: 1,
  });
  return { dir, exporter };
}

/** The records of every frame in `dir`'s segments whose checksum holds, read from the files now. */
function readBack(dir: string): ReadableLogRecord[] {
  const out: ReadableLogRecord[] = [];
  for (const path of segments(dir)) {
    const b = fs.readFileSync(path);
    for (const f of frames(path)) {
      const frame = b.subarray(f.offset, f.offset + f.length);
      if (frame.readUInt32LE(4) !== crc32(frame, 8, frame.length)) continue;
      out.push(...decodeLogRecordBatch(frame.subarray(FRAME_HEADER_BYTES)));
    }
  }
  return out;
}

const ids = (records: ReadableLogRecord[]) => records.map((r) => r.attributes['test.id']);

describe('DiskBufferedLogRecordExporter', () => {
  describe('exportSync', () => {
    it.each(POLICIES)(
      'should leave the records readable by a fresh reader when it returns, checksums valid (fsync %s)',
      async (policy) => {
        const { dir, exporter } = setup(policy);
        exporter.exportSync(generatedRecords(3, 0));
        // Read at once, with no await between the return and the read.
        expect(ids(readBack(dir))).toEqual([0, 1, 2]);
        exporter.exportSync(generatedRecords(1, 3));
        expect(ids(readBack(dir))).toEqual([0, 1, 2, 3]);
        await exporter.shutdown();
      },
    );

    it('should fdatasync after the write and before it returns under always', async () => {
      const { dir, exporter } = setup('always');
      exporter.exportSync(generatedRecords(1, 0)); // the segment's creation and directory sync
      const seen: number[][] = [];
      walIo.fdatasyncSync = (fd: number) => {
        // What the file holds at the moment of the sync: the write came first.
        seen.push(ids(readBack(dir)) as number[]);
        real.fdatasyncSync(fd);
      };
      exporter.exportSync(generatedRecords(2, 1));
      expect(seen).toEqual([[0, 1, 2]]);
      await exporter.shutdown();
    });

    it.each(POLICIES)(
      'should start no libuv request, timer, immediate or queueMicrotask before it returns, the free-space refresh due (fsync %s)',
      async (policy) => {
        const { exporter } = setup(policy);
        exporter.exportSync(generatedRecords(1, 0)); // warm: the segment exists
        await exporter.forceFlush();
        // The free-space figure is asked at most once a second: make it due, without waiting.
        vi.useFakeTimers({ toFake: ['Date'] });
        vi.setSystemTime(Date.now() + 5000);
        const inside = new Map<string, number>();
        const after = new Map<string, number>();
        let into: Map<string, number> | undefined;
        const hook = createHook({
          init(_id, type) {
            if (into !== undefined) into.set(type, (into.get(type) ?? 0) + 1);
          },
        }).enable();
        try {
          into = inside;
          exporter.exportSync(generatedRecords(1, 1));
          into = after;
          await new Promise((r) => setImmediate(r));
        } finally {
          into = undefined;
          hook.disable();
        }
        const kinds = [...inside.keys()].filter((k) => k !== 'PROMISE');
        expect(kinds).toEqual([]);
        // Only deferred: the statfs was submitted once the call had returned.
        expect(after.get('FSREQCALLBACK')).toBe(1);
        vi.useRealTimers();
        await exporter.shutdown();
      },
    );
  });
});
