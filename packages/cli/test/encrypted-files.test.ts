import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompressedFileWriter, readFrameTable } from '@spillway/file-exporter';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { buildCli, RECORDS, spillway } from './fixture';

// `spillway cat` and `verify` on encrypted, chained files, end to end (the built CLI in a child).
// A test that changes files changes its own copies: the tests run side by side
// (describe.concurrent), their children sharing the cores.
const KEY = Buffer.alloc(32, 0xa7);
const CHAIN_KEY = Buffer.alloc(32, 0x3c);
let root = '';
let dir = '';
let keyFile = '';
let chainKeyFile = '';

beforeAll(async () => {
  buildCli();
  root = mkdtempSync(join(tmpdir(), 'spillway-cli-enc-'));
  dir = join(root, 'logs');
  mkdirSync(dir);
  keyFile = join(root, 'keys');
  writeFileSync(keyFile, `4:${KEY.toString('hex')}\n`, { mode: 0o600 });
  chainKeyFile = join(root, 'chain-key');
  writeFileSync(chainKeyFile, `${CHAIN_KEY.toString('hex')}\n`, { mode: 0o600 });
  let previousLink: Buffer | undefined;
  for (let file = 0; file < 2; file++) {
    const w = await CompressedFileWriter.create(join(dir, `shop-20260101-00000${file}.zst`), {
      encryption: { keys: [{ id: 4, key: KEY }], activeKeyId: 4 },
      chain: { key: CHAIN_KEY, ...(previousLink ? { previousLink } : {}) },
    });
    for (let f = 0; f < 3; f++) {
      w.appendRecords(RECORDS.slice(file * 1500 + f * 500, file * 1500 + f * 500 + 500));
      await w.cutFrame();
    }
    await w.close();
    previousLink = w.lastChainLink;
  }
}, 300_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe.concurrent('spillway on encrypted files', () => {
  it('should print the records with SPILLWAY_ENCRYPTION_KEY_FILE, and name the key id without it', async ({
    expect,
  }) => {
    const ok = await spillway(['cat', '--format', 'otlp-json', dir], {
      SPILLWAY_ENCRYPTION_KEY_FILE: keyFile,
    });
    expect(ok.code).toBe(0);
    const n = ok.stdout
      .trim()
      .split('\n')
      .reduce((k, l) => k + JSON.parse(l).resourceLogs[0].scopeLogs[0].logRecords.length, 0);
    expect(n).toBe(3000);
    const without = await spillway(['cat', dir]);
    expect(without.code).toBe(3);
    expect(without.stderr).toContain('encrypted with key id 4 and no encryption key was given');
  });

  it('should read them with --key-file in cat, tail, stats and cat --reverse', async ({
    expect,
  }) => {
    const count = (out: string) => out.trim().split('\n').filter(Boolean).length;
    const cat = await spillway(['cat', '--format', 'json', '--key-file', keyFile, dir]);
    expect(cat.code).toBe(0);
    expect(count(cat.stdout)).toBe(3000);
    const reverse = await spillway([
      'cat',
      '--reverse',
      '--limit',
      '7',
      '--key-file',
      keyFile,
      dir,
    ]);
    expect(reverse.code).toBe(0);
    expect(count(reverse.stdout)).toBe(7);
    const tail = await spillway([
      'tail',
      '-n',
      '5',
      '--format',
      'json',
      '--key-file',
      keyFile,
      dir,
    ]);
    expect(tail.code).toBe(0);
    expect(count(tail.stdout)).toBe(5);
    const stats = await spillway(['stats', '--json', '--key-file', keyFile, dir]);
    expect(stats.code).toBe(0);
    expect(JSON.parse(stats.stdout).records).toBe(3000);
    const noKey = await spillway(['stats', '--json', dir]);
    expect(noKey.code).toBe(3);
  });

  it('should verify the files and their chain with --key-file and --chain-key-file', async ({
    expect,
  }) => {
    const r = await spillway([
      'verify',
      '--chain',
      '--key-file',
      keyFile,
      '--chain-key-file',
      chainKeyFile,
      dir,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('2 files verified, no problem');
    const noKey = await spillway(['verify', '--chain', '--key-file', keyFile, dir]);
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toContain('the chain key is needed to verify it');
  });

  it("should rebuild an encrypted file's index with its trace filters (verify --fix-index --key-file)", async ({
    expect,
  }) => {
    const name = 'shop-20260101-000000.zst';
    const original = readFileSync(join(dir, `${name}.idx`));
    // The writer's index has a trace filter for every frame: the rebuilt one must have them too.
    const table = await readFrameTable(join(dir, name));
    expect(table.frames.filter((f) => f.traceFilter !== undefined)).toHaveLength(3);
    const fixDir = join(root, 'fix-index');
    mkdirSync(fixDir);
    copyFileSync(join(dir, name), join(fixDir, name));
    // A torn index: its last entry cut short.
    writeFileSync(join(fixDir, `${name}.idx`), original.subarray(0, original.length - 7));
    const r = await spillway(['verify', '--fix-index', '--key-file', keyFile, fixDir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`fixed ${join(fixDir, name)}: index rebuilt (3 frames)`);
    expect(readFileSync(join(fixDir, `${name}.idx`)).equals(original)).toBe(true);
  });

  it('should name the first broken link when a frame is removed', async ({ expect }) => {
    const d = join(root, 'cut');
    mkdirSync(d);
    for (const n of [0, 1]) {
      const name = `shop-20260101-00000${n}.zst`;
      writeFileSync(join(d, name), readFileSync(join(dir, name)));
    }
    const second = join(d, 'shop-20260101-000001.zst');
    const frames = (await readFrameTable(second)).frames;
    const bytes = readFileSync(second);
    writeFileSync(
      second,
      Buffer.concat([bytes.subarray(0, frames[1]!.offset), bytes.subarray(frames[2]!.offset)]),
    );
    const r = await spillway([
      'verify',
      '--chain',
      '--key-file',
      keyFile,
      '--chain-key-file',
      chainKeyFile,
      d,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `spillway: chain broken: ${second} at offset ${frames[1]!.offset}: frame 1 at offset ${frames[1]!.offset}: chain broken: its link does not match frame 0`,
    );
  });

  it('should refuse a malformed key file naming it, and warn about a readable one', async ({
    expect,
  }) => {
    const bad = join(root, 'bad-keys');
    writeFileSync(bad, 'abc\n', { mode: 0o600 });
    const r = await spillway(['verify', '--key-file', bad, dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `encryption key file ${bad}, line 1: the key has 3 hex digits, 64 (256 bits) expected`,
    );
    // A readable copy of the key file, not the file itself: the other tests run meanwhile.
    const readable = join(root, 'readable-keys');
    copyFileSync(keyFile, readable);
    chmodSync(readable, 0o644);
    const w = await spillway(['verify', '--key-file', readable, dir]);
    expect(w.code).toBe(0);
    expect(w.stderr).toContain('lets group or others read it; use chmod 600');
  });
});
