import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CompressedFileWriter, readFrameTable } from '@spillway/file-exporter';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, buildCli, RECORDS, writeFixture } from './fixture';

// `cat -f` and `tail -f` as an operator runs them: the real binary following a directory that a
// real ZstdFileLogRecordExporter in another process writes, rotates and prunes.
const WRITER = join(import.meta.dirname, 'fixtures', 'live-writer.mjs');
let root = '';
const children: ChildProcess[] = [];

beforeAll(async () => {
  buildCli();
  ({ root } = await writeFixture());
}, 300_000);

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

/** A child process whose stdout lines are awaited as events. */
class Lines {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  stderr = '';
  private partial = '';
  private waiters: Array<() => void> = [];
  readonly exited: Promise<number | null>;

  constructor(args: string[]) {
    this.child = spawn(process.execPath, args, {
      env: { ...process.env, SPILLWAY_PROGRESS: '0' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    children.push(this.child);
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (this.partial + chunk).split('\n');
      this.partial = parts.pop()!;
      this.lines.push(...parts);
      for (const w of this.waiters) w();
    });
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
      for (const w of this.waiters) w();
    });
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
    void this.exited.then(() => {
      for (const w of this.waiters) w();
    });
  }

  /** Resolves once `test` holds (checked on every output), rejects if the process ends first. */
  until(test: () => boolean, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (test()) {
          this.waiters = this.waiters.filter((w) => w !== check);
          resolve();
        } else if (this.child.exitCode !== null) {
          reject(
            new Error(`exited (${this.child.exitCode}) before ${what}; stderr: ${this.stderr}`),
          );
        }
      };
      this.waiters.push(check);
      check();
    });
  }

  lineCount(n: number): Promise<void> {
    return this.until(() => this.lines.length >= n, `${n} lines`);
  }

  send(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }
}

const spillway = (args: string[]) => new Lines([BIN, ...args]);
const ids = (lines: string[]) => lines.map((l) => JSON.parse(l).attributes['test.id'] as number);
const range = (from: number, n: number) => Array.from({ length: n }, (_, k) => from + k);

describe('spillway tail -f', () => {
  it('should print the last records, then frames a live exporter writes, across rotation and retention, and exit 0 on SIGINT', async () => {
    const dir = join(root, 'tail');
    mkdirSync(dir);
    const fixture = await writeFixture();
    for (const name of readdirSync(fixture.dir))
      appendFileSync(join(dir, name), readFileSync(join(fixture.dir, name)));
    rmSync(fixture.root, { recursive: true, force: true });

    const tail = spillway(['tail', '-n', '5', '-f', '--format', 'json', dir]);
    await tail.lineCount(5);
    expect(ids(tail.lines)).toEqual(
      RECORDS.slice(-5).map((r) => r.attributes['test.id'] as number),
    );

    const writer = new Lines([WRITER, dir, 'prune']);
    const written: string[][] = [];
    for (let batch = 0; batch < 3; batch++) {
      writer.send(`write ${batch * 100} 100`);
      await writer.lineCount(batch + 1);
      await tail.lineCount(5 + (batch + 1) * 100);
      written.push(readdirSync(dir).filter((n) => n.endsWith('.zst')));
    }
    // Each batch went to a new file, and opening it deleted every older one (fixture included).
    expect(written.map((names) => names.length)).toEqual([1, 1, 1]);
    expect(new Set(written.flat()).size).toBe(3);
    const live = tail.lines.slice(5).map((l) => JSON.parse(l));
    expect(live.map((r) => r.attributes['test.id'])).toEqual(range(0, 300));
    expect(
      live.every((r, i) => r.body === `live record ${i}` && r.resource['service.name'] === 'live'),
    ).toBe(true);

    writer.child.stdin!.end();
    expect(await writer.exited).toBe(0);
    tail.child.kill('SIGINT');
    expect(await tail.exited).toBe(0);
    expect(tail.stderr).toBe('');
    expect(tail.lines).toHaveLength(305);
  });
});

describe('spillway cat -f', () => {
  it('should wait on an empty folder, apply the filters, wait for a torn frame to complete, and exit 0 on SIGINT', async () => {
    const dir = join(root, 'cat');
    mkdirSync(dir);
    const cat = spillway(['cat', '-f', '--min-severity', 'error', '--format', 'json', dir]);
    await cat.until(() => cat.stderr.includes('waiting for files'), 'the waiting line');
    expect(cat.stderr).toContain(`no .zst files in ${dir}: the folder is empty`);

    // A frame appended in two writes, as a writer's frame is while it is written.
    const other = join(root, 'frame-source');
    mkdirSync(other);
    const source = await CompressedFileWriter.create(join(other, 'shop-20260101-000000.zst'));
    source.appendRecords(RECORDS.slice(0, 500));
    await source.close();
    const frame = readFileSync(join(other, 'shop-20260101-000000.zst'));
    const torn = join(dir, 'shop-20260101-000000.zst');
    appendFileSync(torn, frame.subarray(0, 20));

    const writer = new Lines([WRITER, dir]);
    writer.send('write 0 50 9'); // INFO: filtered out
    writer.send('write 50 50 17'); // ERROR
    await writer.lineCount(2);
    await cat.lineCount(50);
    // The torn frame was looked at before the live file (it sorts first) and was not printed.
    expect(ids(cat.lines)).toEqual(range(50, 50));

    appendFileSync(torn, frame.subarray(20));
    const errors = RECORDS.slice(0, 500).filter((r) => (r.severityNumber ?? 0) >= 17);
    await cat.lineCount(50 + errors.length);
    expect(ids(cat.lines.slice(50))).toEqual(errors.map((r) => r.attributes['test.id']));

    writer.child.stdin!.end();
    expect(await writer.exited).toBe(0);
    cat.child.kill('SIGINT');
    expect(await cat.exited).toBe(0);
    expect(cat.stderr).not.toContain('torn');
    expect(cat.stderr).not.toContain('corrupt');
    expect(
      cat.stderr
        .trimEnd()
        .split('\n')
        .every((l) => l.startsWith('spillway: ')),
    ).toBe(true);
    expect(cat.lines).toHaveLength(50 + errors.length);
  });

  it('should name a corrupt frame once (file and offset), go on at the next frame, and exit 3', async () => {
    const dir = join(root, 'damaged');
    mkdirSync(dir);
    const other = join(root, 'damage-source');
    mkdirSync(other);
    const source = join(other, 'shop-20260101-000000.zst');
    const w = await CompressedFileWriter.create(source);
    w.appendRecords(RECORDS.slice(0, 300));
    await w.cutFrame();
    w.appendRecords(RECORDS.slice(300, 600));
    await w.close();
    const [first] = (await readFrameTable(source)).frames;
    const bytes = readFileSync(source);
    bytes[first!.offset + first!.length - 10]! ^= 0xff; // inside frame 0's data

    const cat = spillway(['cat', '-f', '--format', 'json', dir]);
    await cat.until(() => cat.stderr.includes('waiting for files'), 'the waiting line');
    const followed = join(dir, 'shop-20260101-000000.zst');
    appendFileSync(followed, bytes);
    await cat.lineCount(300);
    await cat.until(() => cat.stderr.includes('corrupt:'), 'the corrupt line');
    expect(ids(cat.lines)).toEqual(range(300, 300));
    const problems = cat.stderr.split('\n').filter((l) => l.includes('corrupt:'));
    expect(problems).toEqual([
      expect.stringMatching(
        new RegExp(
          `^spillway: corrupt: ${followed} at offset ${first!.offset}: frame 0 at offset ${first!.offset}: data checksum mismatch`,
        ),
      ),
    ]);
    cat.child.kill('SIGINT');
    expect(await cat.exited).toBe(3);
    expect(cat.lines).toHaveLength(300);
  });

  it('should reject --reverse with --follow as bad usage (exit 2)', async () => {
    const cat = spillway(['cat', '-f', '--reverse', root]);
    expect(await cat.exited).toBe(2);
    expect(cat.stderr).toContain('--reverse cannot be combined with --follow');
  });
});
