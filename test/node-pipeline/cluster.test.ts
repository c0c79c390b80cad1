import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLogRecords } from '@spillway/file-exporter';
import { OtlpGrpcLogsReceiver } from '@spillway/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildPackages, type Child, childEnv, start } from './helpers';

const ALL = 'fatal=1,error=1,warn=1,info=1,debug=1,trace=1';
const app = join(import.meta.dirname, 'fixtures', 'cluster-app.cjs');
const emitApp = join(import.meta.dirname, 'fixtures', 'emit-app.cjs');
const NO_WAL = /sent without it/;
let receiver: OtlpGrpcLogsReceiver;

beforeAll(async () => {
  buildPackages();
  receiver = await new OtlpGrpcLogsReceiver().start();
});
afterAll(() => receiver.stop());
beforeEach(() => receiver.clear());

function env(dir: string, endpoint = receiver.url) {
  return childEnv({
    OTEL_SERVICE_NAME: 'cluster-test',
    SPILLWAY_DIR: dir,
    SPILLWAY_SAMPLING: ALL,
    OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: endpoint,
  });
}

/** `node -r @spillway/node/register cluster-app.cjs …` (see the fixture for the arguments). */
const cluster = (e: NodeJS.ProcessEnv, ...args: Array<string | number>) =>
  start(process.execPath, ['-r', '@spillway/node/register', app, ...args.map(String)], e);

/** Resolves with the first stdout line matching `re` (re-checked on every chunk of output). */
function lineMatching(c: Child, re: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      for (const l of c.stdout().split('\n')) {
        const m = l.match(re);
        if (m) {
          c.child.stdout!.off('data', check);
          resolve(m);
          return true;
        }
      }
      return false;
    };
    if (check()) return;
    c.child.stdout!.on('data', check);
    void c.done.then(() => {
      if (!check())
        reject(new Error(`ended before a line matching ${re}:\n${c.stdout()}\n${c.stderr()}`));
    });
  });
}

/** Slot directories under `<dir>/wal`: slot 0 (the directory itself) and each numbered one. */
function slotDirs(dir: string): string[] {
  const wal = join(dir, 'wal');
  if (!existsSync(wal)) return [];
  const numbered = readdirSync(wal).filter((n) => /^\d+$/.test(n));
  return [wal, ...numbered.sort().map((n) => join(wal, n))];
}

const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

describe('node:cluster under @spillway/node/register', () => {
  it('should give every worker a WAL and deliver every acknowledged record of a SIGKILLed one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spillway-cluster-'));
    const e = env(dir);
    // Workers 0 and 2 emit 1,000 records each and end by SIGTERM; worker 1 emits until killed.
    const first = cluster(e, 3, 1000, 1, 'exit');
    const [, pid, acked, slot] = await lineMatching(
      first,
      /^acked 1 (\d+) ([5-9]\d\d|\d{4,}) (\d+)$/,
    );
    const killed = Number(pid);
    const ackedBeforeKill = Number(acked);
    process.kill(killed, 'SIGKILL');
    expect(await first.done).toEqual({ code: 0, signal: null });
    expect(first.stdout()).toMatch(/^done 0 \d+ 1000 \d+$/m);
    expect(first.stdout()).toMatch(/^done 2 \d+ 1000 \d+$/m);
    // Every worker wrote a WAL slot from its first batch on; the primary, which never logs, took none.
    expect(first.stdout()).not.toMatch(/^(acked|done) .* none$/m);
    expect(first.stdout()).toMatch(/^primary slot none$/m);
    expect(first.stderr()).not.toMatch(NO_WAL);
    const slots = slotDirs(dir);
    expect(slots.length).toBeLessThanOrEqual(3);
    const deadSlot = slot === '0' ? join(dir, 'wal') : join(dir, 'wal', slot!);
    expect(slots).toContain(deadSlot);
    // The dead slot still names its owner, unless a live sibling already drained it (a drain
    // takes the slot's lock, delivers, and removes the lock when done): both are correct.
    const deadLock = join(deadSlot, 'lock');
    if (existsSync(deadLock)) {
      expect(readFileSync(deadLock, 'utf8')).toMatch(new RegExp(`^${killed}\n`));
    }

    // A new run of one worker takes the first free slot and adopts the dead worker's backlog.
    const second = cluster(e, 1, 100, -1, 'stay', 'second-');
    const expected = [
      ...ids('0', 1000),
      ...ids('2', 1000),
      ...ids('1', ackedBeforeKill),
      ...ids('second-0', 100),
    ];
    const got = () => new Set(receiver.records.map((r) => r.attributes['test.id']));
    try {
      await receiver.waitFor(
        () => {
          const g = got();
          return expected.every((id) => g.has(id));
        },
        60_000,
        'every acknowledged record',
      );
    } finally {
      const done = await lineMatching(second, /^done 0 (\d+) 100 \d+$/).catch(() => undefined);
      if (done) process.kill(Number(done[1]), 'SIGTERM');
      else second.child.kill('SIGTERM');
      await second.done;
    }
    expect(second.stderr()).not.toMatch(NO_WAL);
    const received = receiver.records.map((r) => String(r.attributes['test.id']));
    const distinct = new Set(received);
    const emittedByKilled = [...distinct].filter((id) => /^1-\d+$/.test(id)).length;
    // Duplicates are allowed (batches in flight at the kill); every id must be one emitted.
    console.log(
      `cluster: ${received.length} received, ${distinct.size} distinct, ` +
        `${received.length - distinct.size} duplicates; killed worker: ${ackedBeforeKill} acknowledged, ` +
        `${emittedByKilled} delivered; its slot ${deadSlot === slots[0] ? 'reused' : 'drained'}`,
    );
    for (const id of distinct) expect(id).toMatch(/^(0-\d+|1-\d+|2-\d+|second-0-\d+)$/);
    // Redelivery is the dead slot's only (its deliveries since its last checkpoint), once at most:
    // the workers that shut down cleanly delivered each record exactly once.
    const times = new Map<string, number>();
    for (const id of received) times.set(id, (times.get(id) ?? 0) + 1);
    const repeated = [...times].filter(([, n]) => n > 1);
    expect(repeated.filter(([id]) => !id.startsWith('1-'))).toEqual([]);
    expect(repeated.filter(([, n]) => n > 2)).toEqual([]);
    expect(distinct.size).toBe(expected.length + (emittedByKilled - ackedBeforeKill));
    // The dead worker's slot was adopted: taken by the new worker (the first free slot) or
    // drained by it and released; either way no lock names the dead process any more.
    const lock = join(deadSlot!, 'lock');
    expect(existsSync(lock) && readFileSync(lock, 'utf8').startsWith(`${killed}\n`)).toBe(false);
  });

  it('should take no slot in a process that never logs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spillway-cluster-'));
    const idle = start(
      process.execPath,
      ['-r', '@spillway/node/register', emitApp, '0', 'wait'],
      env(dir),
    );
    await idle.line('ready');
    idle.child.kill('SIGTERM');
    expect(await idle.done).toEqual({ code: null, signal: 'SIGTERM' });
    expect(existsSync(join(dir, 'wal'))).toBe(false);
  });

  it('should keep the failover files of three workers writing at once apart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spillway-cluster-'));
    // A loaded machine gets time to fail every batch over to the files before the workers exit.
    const e = { ...env(dir, 'http://127.0.0.1:1'), SPILLWAY_SHUTDOWN_TIMEOUT_MS: '20000' };
    const run = cluster(e, 3, 1000, -1, 'exit');
    expect(await run.done, run.stderr()).toEqual({ code: 0, signal: null });
    expect(run.stderr()).not.toMatch(NO_WAL);
    const files = readdirSync(join(dir, 'files')).filter((f) => f.endsWith('.zst'));
    expect(files.length, run.stdout()).toBeGreaterThanOrEqual(3);
    const received: string[] = [];
    for await (const r of readLogRecords(join(dir, 'files')))
      received.push(String(r.attributes['test.id']));
    const distinct = new Set(received);
    console.log(
      `failover: ${files.length} files, ${received.length} records, ${distinct.size} distinct`,
    );
    expect([...distinct].sort(), run.stderr()).toEqual(
      [...ids('0', 1000), ...ids('1', 1000), ...ids('2', 1000)].sort(),
    );
  });
});
