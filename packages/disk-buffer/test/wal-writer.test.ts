import * as fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { FileHolds } from '../src/internal/file-holds';
import { Ledger } from '../src/internal/ledger';
import { emptyCounts } from '../src/internal/severity-counts';
import { FRAME_HEADER_BYTES, SEGMENT_HEADER_BYTES } from '../src/internal/wal-format';
import { walIo } from '../src/internal/wal-segment';
import { type FsyncMode, WalWriter } from '../src/internal/wal-writer';
import { removeTempDirs, tempDir } from './helpers/records';

const real = { ...walIo };

afterEach(() => {
  Object.assign(walIo, real);
  removeTempDirs();
});

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Resolves once every microtask queued before it (and those they queue) has run. */
const turn = () => new Promise((r) => setImmediate(r));

function newWriter(
  mode: FsyncMode,
  directory = tempDir(),
  intervalMillis = 200,
  segmentBytes = 1024 * 1024,
) {
  const ledger = new Ledger();
  const writer = new WalWriter({
    directory,
    ledger,
    holds: new FileHolds(
      () => {},
      () => {},
    ),
    mode,
    intervalMillis,
    segmentBytes,
    firstSeq: 1,
    onWritten: () => {},
    onError: () => {},
  });
  return { writer, ledger, directory };
}

/** A frame of `payload` bytes of `fill` (header space included: the writer seals it). */
const filled = (fill: number, payload = 100) => Buffer.alloc(FRAME_HEADER_BYTES + payload, fill);

/** Counts the synchronous fdatasyncs (the ones `appendSync` would make on the event loop). */
function countSyncSyncs(): { n: number } {
  const count = { n: 0 };
  walIo.fdatasyncSync = (fd: number) => {
    count.n++;
    fs.fdatasyncSync(fd);
  };
  return count;
}

/** Holds back the `n`th writev (1-based) until `release()`; `called` resolves when it starts. */
function holdWritev(n: number): { called: Promise<void>; release: () => void } {
  const called = deferred();
  const gate = deferred();
  let writevs = 0;
  walIo.writev = (async (fd: number, buffers: NodeJS.ArrayBufferView[], position: number) => {
    if (++writevs === n) {
      called.resolve();
      await gate.promise;
    }
    return { bytesWritten: fs.writevSync(fd, buffers, position), buffers };
  }) as unknown as typeof walIo.writev;
  return { called: called.promise, release: () => gate.resolve() };
}

/** Segment 1 holds only its first frame (`kept`): in the ledger (bytes, written, records) and on disk. */
function expectCutBackToFirstFrame(ledger: Ledger, kept: Buffer): void {
  const entry = ledger.get(1)!;
  const end = SEGMENT_HEADER_BYTES + kept.length;
  expect(entry.kind === 'wal' && [entry.bytes, entry.written, entry.records]).toEqual([
    end,
    end,
    1,
  ]);
  expect(fs.statSync(entry.path).size).toBe(end);
}

describe('WalWriter', () => {
  describe('append', () => {
    it("should acknowledge under 'always' only once synced, and make nothing readable or close nothing before", async () => {
      // Each frame fills a segment, so every append opens the next one.
      const frameBytes = FRAME_HEADER_BYTES + 100;
      const { writer, ledger } = newWriter(
        'always',
        tempDir(),
        200,
        SEGMENT_HEADER_BYTES + frameBytes,
      );
      // Every file call is done synchronously (so between two macrotasks the writer runs as far as
      // it can), except that the second writev (segment 2) waits for the test, and so does the
      // first fdatasync.
      const writev2 = holdWritev(2);
      const firstSync = deferred();
      const releaseFirstSync = deferred();
      let syncs = 0;
      walIo.fdatasync = async (fd: number) => {
        fs.fdatasyncSync(fd);
        if (++syncs !== 1) return;
        firstSync.resolve();
        await releaseFirstSync.promise;
      };
      walIo.fsync = async (fd: number) => fs.fsyncSync(fd);
      walIo.close = async (fd: number) => fs.closeSync(fd);

      const events: string[] = [];
      const acked = (name: string) => (err?: Error) => events.push(err ? `${name} failed` : name);
      const frame = () => Buffer.alloc(frameBytes);
      const readableEnd = () => {
        const e = ledger.get(1);
        return e?.kind === 'wal' ? e.written : undefined;
      };
      writer.append(frame(), 1, emptyCounts(), acked('A')); // segment 1
      writer.append(frame(), 1, emptyCounts(), acked('B')); // segment 2: one round writes A and B
      await writev2.called; // A written; B's write waits
      writer.append(frame(), 1, emptyCounts(), acked('C')); // segment 3: segment 1 is retired
      await turn();
      // A is on disk but not synced: not readable by the sender, and its segment not closed (a
      // close would declare its bytes landed, and sync them, under the round).
      expect(readableEnd()).toBe(SEGMENT_HEADER_BYTES);
      expect(syncs).toBe(0);
      writev2.release();
      await firstSync.promise; // the round's sync of segment 1, held
      await turn();
      expect(readableEnd()).toBe(SEGMENT_HEADER_BYTES);
      expect(events).toEqual([]);
      events.push('segment 1 synced');
      releaseFirstSync.resolve();
      await writer.flush();
      expect(events).toEqual(['segment 1 synced', 'A', 'B', 'C']);
      expect(readableEnd()).toBe(SEGMENT_HEADER_BYTES + frameBytes);
      await writer.close();
    });
    it('should not close a retired segment before the write a round holds for it has landed', async () => {
      // Each frame fills a segment. A round writes A (segment 1) and B (segment 2); while A's
      // write is held, C opens segment 3 and so retires segment 2, whose write has not started:
      // closing it then would fail B (EBADF) or, with its fd reused, write B into another file.
      const frameBytes = FRAME_HEADER_BYTES + 100;
      const { writer, ledger } = newWriter(
        'always',
        tempDir(),
        200,
        SEGMENT_HEADER_BYTES + frameBytes,
      );
      const first = holdWritev(1);
      // Closing segment 2 early would show as a close before A's write is let go.
      const closes: number[] = [];
      walIo.close = async (fd: number) => {
        closes.push(fd);
        fs.closeSync(fd);
      };
      const events: string[] = [];
      const acked = (name: string) => (err?: Error) =>
        events.push(err ? `${name} failed: ${err.message}` : name);
      const frames = [0x61, 0x62, 0x63].map((fill) => Buffer.alloc(frameBytes, fill));
      writer.append(frames[0]!, 1, emptyCounts(), acked('A'));
      writer.append(frames[1]!, 1, emptyCounts(), acked('B'));
      await first.called;
      writer.append(frames[2]!, 1, emptyCounts(), acked('C'));
      // Long enough for a close of segment 2 (a sync and a close on the threadpool) to finish.
      for (let i = 0; i < 20; i++) await turn();
      expect(closes).toEqual([]);
      first.release();
      await writer.flush();
      await writer.close();
      expect(events).toEqual(['A', 'B', 'C']);
      for (const seq of [1, 2, 3]) {
        const entry = ledger.get(seq)!;
        const file = fs.readFileSync(entry.path);
        expect(file.subarray(SEGMENT_HEADER_BYTES).equals(frames[seq - 1]!), `segment ${seq}`).toBe(
          true,
        );
        expect(entry.kind === 'wal' && entry.written, `segment ${seq}`).toBe(file.length);
      }
    });
    it("should cut the segment back to before the frames whose sync failed under 'always'", async () => {
      // The frames' bytes landed before the sync failed: left in the file, the sender would
      // deliver records that were called back FAILED and counted lost.
      const { writer, ledger } = newWriter('always');
      const kept = filled(0x6b);
      await new Promise<void>((resolve, reject) =>
        writer.append(kept, 1, emptyCounts(), (err) => (err ? reject(err) : resolve())),
      );
      walIo.fdatasync = async () => {
        throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
      };
      const failed = await new Promise<Error | undefined>((resolve) =>
        writer.append(filled(0x66, 300), 4, emptyCounts(), resolve),
      );
      expect((failed as NodeJS.ErrnoException | undefined)?.code).toBe('EIO');
      walIo.fdatasync = real.fdatasync;
      expectCutBackToFirstFrame(ledger, kept);
      await writer.close();
    });
  });

  describe('appendSync', () => {
    it("should cut the segment back to before its frame when the sync fails under 'always'", async () => {
      const { writer, ledger } = newWriter('always');
      const kept = filled(0x6b);
      writer.appendSync(kept, 1, emptyCounts());
      walIo.fdatasyncSync = () => {
        throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
      };
      expect(() => writer.appendSync(filled(0x66, 300), 4, emptyCounts())).toThrow('EIO');
      walIo.fdatasyncSync = real.fdatasyncSync;
      expectCutBackToFirstFrame(ledger, kept);
      await writer.close();
    });

    it("should fdatasync before returning under 'always' only", async () => {
      for (const [mode, syncs] of [
        ['always', 1],
        ['interval', 0],
        ['never', 0],
      ] as const) {
        const count = countSyncSyncs();
        const { writer, ledger } = newWriter(mode);
        const frame = filled(7);
        writer.appendSync(frame, 1, emptyCounts());
        expect(count.n, mode).toBe(syncs);
        // Written (page cache) before it returned, whatever the policy.
        const entry = ledger.get(1)!;
        const file = fs.readFileSync(entry.path);
        expect(file.subarray(SEGMENT_HEADER_BYTES).equals(frame), mode).toBe(true);
        expect(entry.kind === 'wal' && entry.written, mode).toBe(file.length);
        await writer.close();
      }
    });

    it("should throw when the frame's sync fails under 'always', and start a new segment after", async () => {
      const { writer, ledger } = newWriter('always');
      writer.appendSync(filled(0x67), 1, emptyCounts());
      walIo.fdatasyncSync = () => {
        throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
      };
      expect(() => writer.appendSync(filled(0x62), 2, emptyCounts())).toThrow('EIO');
      walIo.fdatasyncSync = real.fdatasyncSync;
      // The segment whose sync failed takes no more frames: the next one opens segment 2.
      expect(() => writer.appendSync(filled(0x6e), 1, emptyCounts())).not.toThrow();
      expect(writer.activeSeq).toBe(2);
      expect(ledger.get(2)?.records).toBe(1);
      await writer.close();
    });

    it("should leave the sync to the next interval under 'interval'", async () => {
      const count = countSyncSyncs();
      const synced = deferred();
      walIo.fdatasync = async (fd: number) => {
        fs.fdatasyncSync(fd);
        synced.resolve();
      };
      const { writer } = newWriter('interval', tempDir(), 20);
      writer.appendSync(filled(1), 1, emptyCounts());
      expect(count.n).toBe(0);
      // No flush, no close: the interval timer alone syncs it.
      await synced.promise;
      await writer.close();
    });

    it('should write after a round in flight without overlapping it, acknowledging each frame once', async () => {
      const count = countSyncSyncs();
      const writevCalled = deferred();
      const writevGate = deferred();
      walIo.writev = (async (fd: number, buffers: NodeJS.ArrayBufferView[], position: number) => {
        writevCalled.resolve();
        await writevGate.promise;
        return { bytesWritten: fs.writevSync(fd, buffers, position), buffers };
      }) as unknown as typeof walIo.writev;
      const { writer, ledger } = newWriter('interval');
      const events: string[] = [];
      const acked = (name: string) => (err?: Error) => events.push(err ? `${name} failed` : name);
      const a = filled(0x61, 300);
      const b = filled(0x62, 50);
      const s = filled(0x73, 120);
      writer.append(a, 1, emptyCounts(), acked('A'));
      await writevCalled.promise; // A's write is in flight (held back)
      writer.append(b, 2, emptyCounts(), acked('B')); // pending: the next round's
      writer.appendSync(s, 3, emptyCounts());
      expect(count.n).toBe(0);
      const entry = ledger.get(1)!;
      if (entry.kind !== 'wal') throw new Error('not a segment');
      // B (taken from the pending round) and S are written at the offsets fixed at append, after
      // A's; `written` stays before A until A lands, and only B is acknowledged so far.
      const bAt = SEGMENT_HEADER_BYTES + a.length;
      const file = fs.readFileSync(entry.path);
      expect(file.length).toBe(bAt + b.length + s.length);
      expect(file.subarray(bAt).equals(Buffer.concat([b, s]))).toBe(true);
      expect(file.subarray(SEGMENT_HEADER_BYTES, bAt).every((x) => x === 0)).toBe(true);
      expect(entry.written).toBe(SEGMENT_HEADER_BYTES);
      expect(events).toEqual(['B']);
      writevGate.resolve();
      await writer.flush();
      expect(events).toEqual(['B', 'A']);
      expect(entry.written).toBe(entry.bytes);
      expect(entry.records).toBe(6);
      const after = fs.readFileSync(entry.path);
      expect(after.subarray(SEGMENT_HEADER_BYTES).equals(Buffer.concat([a, b, s]))).toBe(true);
      await writer.close();
    });
  });
});
