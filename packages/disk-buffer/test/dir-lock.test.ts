import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DirectoryLockedError, DiskBufferedLogRecordExporter } from '../src/index';
import { FOREIGN_STALE_MILLIS } from '../src/internal/dir-lock';
import { CollectingExporter } from './helpers/collecting-exporter';
import { removeTempDirs, tempDir } from './helpers/records';
import { drain, fillDirectory } from './helpers/wal-files';

afterEach(removeTempDirs);

const make = (dir: string) => () =>
  new DiskBufferedLogRecordExporter({ exporter: new CollectingExporter(), directory: dir });

/** A process that stays alive until killed, and its pid. */
function liveChild() {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
    stdio: 'ignore',
  });
  return { pid: child.pid!, kill: () => child.kill('SIGKILL') };
}

describe('DiskBufferedLogRecordExporter', () => {
  describe('directory lock', () => {
    it('should refuse a directory locked by a live process on this host, naming its pid', () => {
      const dir = tempDir();
      const child = liveChild();
      try {
        writeFileSync(join(dir, 'lock'), `${child.pid}\n${hostname()}\n`);
        expect(make(dir)).toThrow(DirectoryLockedError);
        expect(make(dir)).toThrow(new RegExp(`locked by process ${child.pid} on host`));
      } finally {
        child.kill();
      }
    });

    it("should refuse another host's lock while it is fresh, whatever pid it names", () => {
      const dir = tempDir();
      // The pid of this very process: alive here, but meaningless for a lock from elsewhere.
      writeFileSync(join(dir, 'lock'), `${process.pid}\nother-host\n`);
      expect(make(dir)).toThrow(/locked by process \d+ on host other-host/);
    });

    it("should take over another host's lock once it has not been refreshed, with a warning", async () => {
      const dir = tempDir();
      await fillDirectory(dir, 2, 10);
      const child = liveChild();
      const warnings: string[] = [];
      const on = (w: Error) => warnings.push(w.message);
      process.on('warning', on);
      try {
        // A live pid here must not matter: it names a process on another host.
        const lock = join(dir, 'lock');
        writeFileSync(lock, `${child.pid}\nother-host\n`);
        const old = new Date(Date.now() - FOREIGN_STALE_MILLIS - 5_000);
        utimesSync(lock, old, old);
        const { down, exporter } = await drain(dir);
        expect(down.records).toHaveLength(20);
        expect(readFileSync(lock, 'utf8')).toBe(`${process.pid}\n${hostname()}\n`);
        expect(warnings.some((m) => m.includes('on host other-host taken over'))).toBe(true);
        expect(exporter.getStats().skippedFiles).toBe(0);
        await exporter.shutdown();
        expect(existsSync(lock)).toBe(false);
      } finally {
        process.off('warning', on);
        child.kill();
      }
    });

    it('should refuse a second exporter on the same directory in this process', async () => {
      const dir = tempDir();
      const first = make(dir)();
      expect(make(dir)).toThrow(DirectoryLockedError);
      expect(make(dir)).toThrow(/this process/);
      await first.shutdown();
      await make(dir)().shutdown();
    });

    it('should take over a stale lock left by a dead process on this host', async () => {
      const dir = tempDir();
      await fillDirectory(dir, 2, 10);
      const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
      const pid = child.pid!;
      await new Promise((r) => child.on('exit', r));
      writeFileSync(join(dir, 'lock'), `${pid}\n${hostname()}\n`);
      const { down, exporter } = await drain(dir);
      expect(down.records).toHaveLength(20);
      expect(readFileSync(join(dir, 'lock'), 'utf8')).toMatch(new RegExp(`^${process.pid}\\n`));
      // Replaced through a temp file beside it, which is gone once the lock is ours.
      expect(readdirSync(dir).filter((n) => n.startsWith('lock.'))).toEqual([]);
      await exporter.shutdown();
      expect(existsSync(join(dir, 'lock'))).toBe(false);
    });

    it('should leave a stale lock to the process taking it over right now, and clear a dead one', async () => {
      const dir = tempDir();
      const dead = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
      await new Promise((r) => dead.on('exit', r));
      writeFileSync(join(dir, 'lock'), `${dead.pid}\n${hostname()}\n`);
      const child = liveChild();
      try {
        // A live process holds the takeover guard: it, not we, replaces the stale lock.
        writeFileSync(join(dir, 'lock.takeover'), `${child.pid}\n${hostname()}\n`);
        expect(make(dir)).toThrow(new RegExp(`locked by process ${child.pid} on host`));
        expect(readFileSync(join(dir, 'lock'), 'utf8')).toBe(`${dead.pid}\n${hostname()}\n`);
      } finally {
        child.kill();
      }
      // A guard whose process died mid-takeover is removed; the next attempt takes the lock.
      writeFileSync(join(dir, 'lock.takeover'), `${dead.pid}\n${hostname()}\n`);
      expect(make(dir)).toThrow(DirectoryLockedError);
      expect(existsSync(join(dir, 'lock.takeover'))).toBe(false);
      const exporter = make(dir)();
      expect(readFileSync(join(dir, 'lock'), 'utf8')).toBe(`${process.pid}\n${hostname()}\n`);
      expect(existsSync(join(dir, 'lock.takeover'))).toBe(false);
      await exporter.shutdown();
    });
  });
});
