import { execFileSync, spawnSync } from 'node:child_process';
import { webcrypto } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import * as esbuild from 'esbuild';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  CompressedFileWriter,
  createReadStats,
  listCompressedFiles,
  loadEncryptionKeyFile,
  readLogRecords,
  verifyCompressedFile,
  ZstdFileLogRecordExporter,
} from '../src/index';
import { CRYPTO_ALGORITHMS } from '../src/internal/frame-cipher';
import { exportAll, generatedRecords, tempDir } from './helpers';

const KEY_1 = { id: 1, key: Buffer.alloc(32, 0x11) };
const KEY_2 = { id: 2, key: Buffer.alloc(32, 0x22) };
const SECRETS = ['hunter2-correct-horse', 'tok_live_51HqS3cr3t', 'alice@example.com'];
const fixture = fileURLToPath(
  new URL('./fixtures/v1-checkout-20260101-120000.zst', import.meta.url),
);

/** Records whose body and attributes carry the secrets, plus generated ones around them. */
function secretRecords(): ReadableLogRecord[] {
  const base = generatedRecords(300, { seed: 5 });
  return base.map((r, i) => ({
    ...r,
    body: `login ${SECRETS[i % 3]} ${i}`,
    attributes: { ...r.attributes, 'user.password': SECRETS[(i + 1) % 3]! },
  }));
}

async function writeEncrypted(dir: string, records = secretRecords()) {
  const exporter = new ZstdFileLogRecordExporter({
    directory: dir,
    frameBytes: 8 * 1024,
    minFreeBytes: 0,
    encryption: { keys: [KEY_1], activeKeyId: 1 },
  });
  await exportAll(exporter, records, 25);
  await exporter.shutdown();
  const [file] = await listCompressedFiles(dir);
  return file!.path;
}

async function bodies(path: string, keys = [KEY_1]): Promise<string[]> {
  const out: string[] = [];
  for await (const r of readLogRecords(path, { encryption: { keys } })) out.push(String(r.body));
  return out;
}

describe('encryption at rest', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('should leave no secret of the records in any byte on disk, and read them back with the key', async () => {
    const dir = tempDir();
    const records = secretRecords();
    const path = await writeEncrypted(dir, records);
    for (const file of [path, `${path}.idx`]) {
      const raw = readFileSync(file);
      for (const s of SECRETS) {
        expect(raw.includes(Buffer.from(s, 'utf8'))).toBe(false);
        expect(raw.includes(Buffer.from(s, 'utf16le'))).toBe(false);
      }
    }
    const got = await bodies(path);
    expect(got).toEqual(records.map((r) => String(r.body)));
    const report = await verifyCompressedFile(path, { encryption: { keys: [KEY_1] } });
    expect(report.problems).toEqual([]);
    expect(report.records).toBe(300);
  });

  it('should report a wrong or missing key as one problem per frame naming file, offset and key id, never throwing', async () => {
    const path = await writeEncrypted(tempDir());
    const frames = (await verifyCompressedFile(path, { encryption: { keys: [KEY_1] } })).frames;
    expect(frames).toBeGreaterThan(3);
    for (const [options, text] of [
      [{ encryption: { keys: [{ id: 1, key: Buffer.alloc(32, 0x99) }] } }, 'wrong key'],
      [{ encryption: { keys: [KEY_2] } }, 'key id 1, not among the keys given (2)'],
      [{}, 'no encryption key was given'],
    ] as const) {
      const stats = createReadStats();
      let n = 0;
      for await (const _ of readLogRecords(path, { ...options, stats })) n++;
      expect(n).toBe(0);
      expect(stats.framesCorrupt).toBe(frames);
      expect(stats.recordsLost).toBe(300);
      expect(stats.recordsLostUnknown).toBe(false);
      for (const p of stats.problems) {
        expect(p.kind).toBe('corrupt');
        expect(p.path).toBe(path);
        expect(p.message).toContain(`at offset ${p.offset}`);
        expect(p.message).toContain(text);
      }
      const report = await verifyCompressedFile(path, options);
      expect(report.ok).toBe(false);
      expect(report.problems.filter((p) => p.message.includes(text))).toHaveLength(frames);
    }
  });

  it('should detect and name one flipped byte at every offset of a small encrypted file', async () => {
    const dir = tempDir();
    const path = join(dir, 'svc-20260101-000000.zst');
    const writer = await CompressedFileWriter.create(path, {
      encryption: { keys: [KEY_1], activeKeyId: 1 },
    });
    const records = secretRecords().slice(0, 4);
    writer.appendRecords(records.slice(0, 2));
    await writer.cutFrame();
    writer.appendRecords(records.slice(2));
    await writer.close();
    const original = readFileSync(path);
    const encryption = { keys: [KEY_1] };
    const flipped = join(dir, 'flipped-20260101-000000.zst');
    copyFileSync(`${path}.idx`, `${flipped}.idx`);
    for (let pos = 0; pos < original.length; pos++) {
      const bytes = Buffer.from(original);
      bytes[pos]! ^= 0x01;
      writeFileSync(flipped, bytes);
      const report = await verifyCompressedFile(flipped, { encryption });
      const damage = report.problems.filter((p) => p.kind !== 'index');
      expect(damage.length, `flip at ${pos}`).toBeGreaterThan(0);
      // The problem that names the damaged range covers the flipped byte.
      expect(damage.some((p) => p.offset <= pos && pos < p.offset + Math.max(p.length, 1))).toBe(
        true,
      );
      // The frame it did not touch still reads.
      const stats = createReadStats();
      let n = 0;
      for await (const _ of readLogRecords(flipped, { encryption, stats })) n++;
      expect(n + stats.recordsLost).toBe(4);
      expect(n).toBe(2);
    }
  });

  it('should read files of rotated keys with every key listed and name the key id missing', async () => {
    const dir = tempDir();
    const keys = [KEY_1, KEY_2];
    for (const [activeKeyId, seed] of [
      [1, 1],
      [2, 2],
    ] as const) {
      const exporter = new ZstdFileLogRecordExporter({
        directory: dir,
        minFreeBytes: 0,
        encryption: { keys, activeKeyId },
        now: () => Date.UTC(2026, 0, 1, 0, 0, seed),
      });
      await exportAll(exporter, generatedRecords(50, { seed }));
      await exporter.shutdown();
    }
    expect(await listCompressedFiles(dir)).toHaveLength(2);
    expect(await bodies(dir, keys)).toHaveLength(100);
    const stats = createReadStats();
    let n = 0;
    for await (const _ of readLogRecords(dir, { encryption: { keys: [KEY_2] }, stats })) n++;
    expect(n).toBe(50);
    expect(stats.problems.map((p) => p.message)).toEqual([
      expect.stringContaining('encrypted with key id 1, not among the keys given (2)'),
    ]);
  });

  it('should still read a version 1 file written before encryption existed, with or without keys', async () => {
    const dir = tempDir();
    const path = join(dir, 'v1-checkout-20260101-120000.zst');
    copyFileSync(fixture, path);
    copyFileSync(`${fixture}.idx`, `${path}.idx`);
    expect(readFileSync(path)[12]).toBe(1);
    for (const keys of [[], [KEY_1]]) {
      const got = [];
      for await (const r of readLogRecords(path, keys.length ? { encryption: { keys } } : {}))
        got.push(r.body);
      expect(got).toEqual(['order placed', 'payment declined']);
    }
    const report = await verifyCompressedFile(path, { chain: false });
    expect(report.ok).toBe(true);
    expect(report.frames).toBe(2);
  });

  it('should make zstd -dc fail on an encrypted file instead of printing anything', async (ctx) => {
    const which = spawnSync('bash', ['-c', 'command -v zstd']);
    if (which.status !== 0) {
      console.warn('zstd CLI missing: zstd -dc behaviour on encrypted files not checked');
      ctx.skip();
    }
    const path = await writeEncrypted(tempDir());
    const run = spawnSync('zstd', ['-dc', path], { encoding: 'utf8' });
    console.info(`zstd -dc on an encrypted file: exit ${run.status}: ${run.stderr.trim()}`);
    expect(run.status).not.toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/unknown header|unsupported format|not in zstd format/i);
  });

  it('should use only the FIPS-approved algorithms of its allow-list', async () => {
    const used = new Set<string>();
    const subtle = webcrypto.subtle;
    const nameOf = (a: unknown) =>
      typeof a === 'string' ? a : String((a as { name: string }).name);
    for (const m of ['encrypt', 'decrypt', 'digest', 'sign', 'verify', 'importKey'] as const) {
      const real = subtle[m].bind(subtle) as (...a: unknown[]) => Promise<unknown>;
      vi.spyOn(subtle, m).mockImplementation(((...args: unknown[]) => {
        const algo = args[m === 'importKey' ? 2 : 0];
        used.add(nameOf(algo));
        const hash = (algo as { hash?: unknown })?.hash;
        if (hash !== undefined) used.add(nameOf(hash));
        if (m === 'importKey' && nameOf(algo) === 'AES-GCM') {
          expect((args[1] as Buffer).length).toBe(32);
        }
        return real(...args);
      }) as never);
    }
    const dir = tempDir();
    const path = join(dir, 'svc-20260101-000000.zst');
    const writer = await CompressedFileWriter.create(path, {
      encryption: { keys: [KEY_1], activeKeyId: 1 },
      chain: { key: Buffer.alloc(32, 3) },
    });
    writer.appendRecords(secretRecords().slice(0, 10));
    await writer.close();
    const report = await verifyCompressedFile(path, {
      encryption: { keys: [KEY_1] },
      chain: true,
      chainKey: Buffer.alloc(32, 3),
    });
    expect(report.problems).toEqual([]);
    expect([...used].sort()).toEqual(['AES-GCM', 'HMAC', 'SHA-256']);
    for (const a of used) expect(CRYPTO_ALGORITHMS).toContain(a);
  });

  it('should work unchanged in a child process run with --enable-fips', async (ctx) => {
    const probe = spawnSync(process.execPath, ['--enable-fips', '-e', '0'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      console.warn(
        `--enable-fips not available in this Node build (${probe.stderr.split('\n').find(Boolean)?.slice(0, 120)}): FIPS child run skipped`,
      );
      ctx.skip();
    }
    const root = fileURLToPath(new URL('../../..', import.meta.url));
    const outDir = fileURLToPath(new URL('../.tmp', import.meta.url));
    mkdirSync(outDir, { recursive: true });
    const script = join(outDir, 'fips-child.mjs');
    await esbuild.build({
      entryPoints: [fileURLToPath(new URL('./children/fips-child.ts', import.meta.url))],
      outfile: script,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20.6',
      tsconfig: join(root, 'tsconfig.base.json'),
      external: ['@opentelemetry/*', '@mongodb-js/*'],
      logLevel: 'error',
    });
    const out = execFileSync(process.execPath, ['--enable-fips', script, tempDir()], {
      encoding: 'utf8',
    });
    expect(out.trim()).toBe('fips=1 records=0 ok=true');
  });
});

describe(loadEncryptionKeyFile, () => {
  const hex = (b: number) => Buffer.alloc(32, b).toString('hex');
  const keyFile = (text: string, mode = 0o600) => {
    const path = join(tempDir(), 'keys');
    writeFileSync(path, text, { mode });
    chmodSync(path, mode);
    return path;
  };

  it('should read a bare key as key id 0 and lines <id>:<key> with the last one active', async () => {
    expect(await loadEncryptionKeyFile(keyFile(`${hex(1)}\n`))).toEqual({
      keys: [{ id: 0, key: Buffer.alloc(32, 1) }],
      activeKeyId: 0,
      warnings: [],
    });
    const multi = await loadEncryptionKeyFile(
      keyFile(`# rotated 2026-01\n1:${hex(1)}\n\n7:${hex(7).toUpperCase()}\n`),
    );
    expect(multi.keys.map((k) => k.id)).toEqual([1, 7]);
    expect(multi.keys[1]!.key).toEqual(Buffer.alloc(32, 7));
    expect(multi.activeKeyId).toBe(7);
  });

  it('should reject malformed files with the file, line and reason', async () => {
    const cases: Array<[string, RegExp]> = [
      [`${hex(1).slice(2)}\n`, /line 1: the key has 62 hex digits, 64 \(256 bits\) expected/],
      [`1:${hex(1).slice(0, 63)}g\n`, /line 1: the key holds a character that is not a hex digit/],
      [`1:${hex(1)}\n1:${hex(2)}\n`, /line 2: key id 1 appears twice/],
      [`x:${hex(1)}\n`, /line 1: key id "x" is not a number/],
      [`${hex(1)}\n2:${hex(2)}\n`, /line 2: a bare key is allowed only as the only key/],
      ['# nothing\n\n', /no key \(64 hex digits expected\)/],
    ];
    for (const [text, error] of cases) {
      const path = keyFile(text);
      await expect(loadEncryptionKeyFile(path)).rejects.toThrow(error);
      await expect(loadEncryptionKeyFile(path)).rejects.toThrow(path);
    }
    await expect(loadEncryptionKeyFile(tempDir())).rejects.toThrow(/not a regular file/);
    await expect(loadEncryptionKeyFile(join(tempDir(), 'none'))).rejects.toThrow(
      /cannot open \(ENOENT\)/,
    );
  });

  it('should warn when group or others can read the file', async () => {
    const path = keyFile(`${hex(1)}\n`, 0o644);
    const { warnings } = await loadEncryptionKeyFile(path);
    expect(warnings).toEqual([
      `encryption key file ${path}: mode 0644 lets group or others read it; use chmod 600`,
    ]);
  });
});

describe('ZstdFileLogRecordExporter options', () => {
  it('should refuse bad encryption options at construction, naming the problem', () => {
    const make = (encryption: never) =>
      new ZstdFileLogRecordExporter({ directory: tempDir(), encryption });
    expect(() =>
      make({ keys: [{ id: 1, key: Buffer.alloc(16) }], activeKeyId: 1 } as never),
    ).toThrow('encryption key 1: 32 bytes (256 bits) expected, got 16 bytes');
    expect(() => make({ keys: [KEY_1], activeKeyId: 2 } as never)).toThrow(
      'encryption.activeKeyId 2 is not among the key ids (1)',
    );
    expect(() => make({ keys: [] } as never)).toThrow('at least one key expected');
  });
});
