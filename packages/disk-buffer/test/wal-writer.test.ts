import * as fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { FileHolds } from '../src/internal/file-holds';
import { Ledger } from '../src/internal/ledger';
import { emptyCounts } from '../src/internal/severity-counts';
import { FRAME_HEADER_BYTES, SEGMENT_HEADER_BYTES } from '../src/internal/wal-format';
import { walIo } from '../src/internal/wal-segment';
import { WalWriter } from '../src/internal/wal-writer';
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

describe('WalWriter', () => {
  describe('append', () => {
    it("should acknowledge under 'always' only once a sync started by another caller has finished", async () => {
      // Each frame fills a segment, so every append opens the next one.
      const frameBytes = FRAME_HEADER_BYTES + 100;
      const writer = new WalWriter({
        directory: tempDir(),
        ledger: new Ledger(),
        holds: new FileHolds(
          () => {},
          () => {},
        ),
        mode: 'always',
        intervalMillis: 200,
        segmentBytes: SEGMENT_HEADER_BYTES + frameBytes,
        firstSeq: 1,
        onWritten: () => {},
        onError: () => {},
      });
      // Every file call is done synchronously (so between two macrotasks the writer runs as far as
      // it can), except that the second writev (segment 2) waits for the test, and so does the
      // first fdatasync (segment 1's, from closing it once segment 3 opens).
      const writev2Called = deferred();
      const writev2Gate = deferred();
      let writevs = 0;
      walIo.writev = (async (fd: number, buffers: NodeJS.ArrayBufferView[], position: number) => {
        if (++writevs === 2) {
          writev2Called.resolve();
          await writev2Gate.promise;
        }
        return { bytesWritten: fs.writevSync(fd, buffers, position), buffers };
      }) as unknown as typeof walIo.writev;
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
      writer.append(frame(), 1, emptyCounts(), acked('A')); // segment 1
      writer.append(frame(), 1, emptyCounts(), acked('B')); // segment 2: one round writes A and B
      await writev2Called.promise; // A landed; B's write waits
      writer.append(frame(), 1, emptyCounts(), acked('C')); // segment 3: segment 1 closes, syncing
      await firstSync.promise;
      writev2Gate.resolve();
      await turn();
      // The round's own sync of segment 1 found it clean (the closing sync had taken it): it must
      // still wait for that sync before A counts as durable.
      expect(events).toEqual([]);
      events.push('segment 1 synced');
      releaseFirstSync.resolve();
      await writer.flush();
      expect(events).toEqual(['segment 1 synced', 'A', 'B', 'C']);
      await writer.close();
    });
  });
});
