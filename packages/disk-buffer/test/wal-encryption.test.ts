import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import {
  type EncryptionOptions,
  readLogRecords,
  SYNC_CIPHER,
  SyncFrameCipher,
} from '@spillway/file-exporter';
import { crc32 } from '@spillway/record-format';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  DiskBufferedLogRecordExporter,
  inspectWal,
  readPendingWalRecords,
  SlottedDiskBufferedLogRecordExporter,
} from '../src/index';
import { associatedData } from '../src/internal/wal-format';
import type { DiskBufferOptions } from '../src/types';
import { CollectingExporter } from './helpers/collecting-exporter';
import { generatedRecords, removeTempDirs, tempDir } from './helpers/records';
import { drain, segments } from './helpers/wal-files';

afterEach(removeTempDirs);

// Every cipher the code under test asks node:crypto for (FIPS: only approved algorithms may appear).
const used = vi.hoisted(() => new Set<string>());
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  const spy = {
    ...real,
    createCipheriv: ((alg: string, ...rest: unknown[]) => {
      used.add(alg);
      return (real.createCipheriv as (...a: unknown[]) => unknown)(alg, ...rest);
    }) as typeof real.createCipheriv,
    createDecipheriv: ((alg: string, ...rest: unknown[]) => {
      used.add(alg);
      return (real.createDecipheriv as (...a: unknown[]) => unknown)(alg, ...rest);
    }) as typeof real.createDecipheriv,
  };
  return { ...spy, default: spy };
});

const SECRET = 'sk_live_4f9a1c77e0b2d3';
const KEY: EncryptionOptions = {
  keys: [{ id: 7, key: Buffer.alloc(32, 0x11) }],
  activeKeyId: 7,
};
const WRONG_KEY: EncryptionOptions = {
  keys: [{ id: 7, key: Buffer.alloc(32, 0x22) }],
  activeKeyId: 7,
};
const OTHER_ID: EncryptionOptions = {
  keys: [{ id: 8, key: Buffer.alloc(32, 0x11) }],
  activeKeyId: 8,
};

/** Generated records carrying the secret in the body and in an attribute. */
function secretRecords(n: number, from: number): ReadableLogRecord[] {
  const recs = generatedRecords(n, from);
  for (const r of recs) {
    r.attributes['auth.token'] = `${SECRET}-${from}`;
    (r as { body: unknown }).body = `login with ${SECRET} for user ${from}`;
  }
  return recs;
}

function setup(dir: string, down: CollectingExporter, opts: Partial<DiskBufferOptions> = {}) {
  return new DiskBufferedLogRecordExporter({
    exporter: down,
    directory: dir,
    fsync: 'always',
    segmentBytes: 64 * 1024,
    retry: { initialMillis: 5, maxMillis: 20 },
    shutdownTimeoutMillis: 10,
    ...opts,
  });
}

/**
 * Writes `batches` × 100 secret records with the downstream down; with `spill`, waits until some
 * closed segments are spill files. The directory then holds every record, undelivered.
 */
async function fill(
  dir: string,
  batches: number,
  opts: Partial<DiskBufferOptions>,
  spill = false,
): Promise<void> {
  const down = new CollectingExporter();
  down.failing = true;
  const exporter = setup(dir, down, {
    retry: { initialMillis: 60_000 },
    spillAfterBytes: spill ? 1 : 1024 * 1024 * 1024,
    maxDiskBytes: 256 * 1024 * 1024,
    ...opts,
  });
  for (let b = 0; b < batches; b++) {
    const r = await new Promise<{ code: number }>((res) =>
      exporter.export(secretRecords(100, b * 100), res),
    );
    expect(r.code).toBe(0);
  }
  if (spill) {
    await vi.waitFor(() => expect(exporter.getStats().spillRecords).toBeGreaterThan(0), {
      timeout: 20_000,
      interval: 20,
    });
  }
  await exporter.shutdown();
}

/** Every file under `dir` (recursively), by path relative to it. */
function allFiles(dir: string, prefix = ''): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const name of readdirSync(join(dir, prefix))) {
    const rel = join(prefix, name);
    if (statSync(join(dir, rel)).isDirectory()) {
      for (const [k, v] of allFiles(dir, rel)) out.set(k, v);
    } else out.set(rel, readFileSync(join(dir, rel)));
  }
  return out;
}

/** The files holding records (segments, spill files, their indexes): what a restart must keep. */
function recordFiles(dir: string): Map<string, Buffer> {
  return new Map([...allFiles(dir)].filter(([n]) => /\.(wal|zst|idx)$/.test(n)));
}

function filesWithSecret(dir: string): string[] {
  return [...allFiles(dir)].filter(([, b]) => b.includes(SECRET)).map(([n]) => n);
}

function counted(ids: number[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const id of ids) m.set(id, (m.get(id) ?? 0) + 1);
  return m;
}

/** Starts with `opts`, waits for the recovery scan, and returns what it did. */
async function startAndRecover(dir: string, opts: Partial<DiskBufferOptions>) {
  const down = new CollectingExporter();
  const exporter = setup(dir, down, opts);
  await down.waitFor(() => !exporter.getStats().recovering);
  await exporter.forceFlush();
  return { down, exporter };
}

describe('DiskBufferedLogRecordExporter', () => {
  describe('encryption', () => {
    it('should leave no byte of a secret in the segments or spill files', async () => {
      used.clear();
      const plain = tempDir();
      await fill(plain, 12, {}, true);
      // The control: without encryption the grep below does find the secret on disk.
      expect(filesWithSecret(plain).some((n) => n.endsWith('.wal'))).toBe(true);

      const dir = tempDir();
      await fill(dir, 12, { encryption: KEY }, true);
      const names = [...allFiles(dir).keys()];
      expect(names.filter((n) => n.endsWith('.zst')).length).toBeGreaterThan(0);
      expect(names.filter((n) => n.endsWith('.wal')).length).toBeGreaterThan(0);
      expect(filesWithSecret(dir)).toEqual([]);
      // Version 2 segments: encrypted frames only.
      for (const seg of segments(dir)) expect(readFileSync(seg)[4]).toBe(2);
      // zstd hides a secret from a byte grep anyway: the spill files must not read without the key.
      const spill = join(dir, names.find((n) => n.endsWith('.zst'))!);
      const problems: string[] = [];
      const keyless = [];
      for await (const r of readLogRecords(spill, { onProblem: (p) => problems.push(p.message) }))
        keyless.push(r);
      expect(keyless).toHaveLength(0);
      expect(problems[0]).toContain('no encryption key was given');
      const keyed = [];
      for await (const r of readLogRecords(spill, { encryption: KEY })) keyed.push(r);
      expect(keyed.length).toBeGreaterThan(0);
      expect(String(keyed[0]!.body)).toContain(SECRET);

      const { down, exporter } = await drain(dir, { encryption: KEY });
      const ids = counted(down.ids());
      expect(ids.size).toBe(1200);
      expect([...ids.values()].every((n) => n === 1)).toBe(true);
      expect(down.records[0]!.body).toBe(`login with ${SECRET} for user 0`);
      expect(exporter.getStats().corruptFrames).toBe(0);
      await exporter.shutdown();
      // The WAL's synchronous path: AES-256-GCM only (the file exporter's 'AES-GCM', FIPS approved).
      expect([...used]).toEqual([SYNC_CIPHER]);
      expect(SYNC_CIPHER).toBe('aes-256-gcm');
    });

    it('should keep the files a start without the key cannot read, and deliver them with it', async () => {
      const dir = tempDir();
      await fill(dir, 12, { encryption: KEY }, true);
      const before = recordFiles(dir);
      const held = [...before.keys()].filter((n) => !n.endsWith('.idx')).length;
      const warnings: string[] = [];
      const onWarning = (w: Error) => warnings.push(w.message);
      process.on('warning', onWarning);
      try {
        for (const [opts, reason] of [
          [{}, 'no encryption key was given'],
          [{ encryption: WRONG_KEY }, 'decryption with key id 7 failed: wrong key'],
          [{ encryption: OTHER_ID }, 'encrypted with key id 7, not among the keys given (8)'],
        ] as const) {
          warnings.length = 0;
          const { down, exporter } = await startAndRecover(dir, opts);
          const s = exporter.getStats();
          expect(down.records).toHaveLength(0);
          expect(s.skippedFiles, reason).toBe(held);
          expect(s.corruptFrames).toBeGreaterThan(0);
          expect(s.dropped.corrupt.total).toBe(0);
          expect(s.recordsPending).toBe(0);
          expect(s.lastError?.message).toContain(reason);
          await exporter.shutdown();
          expect(recordFiles(dir)).toEqual(before);
          await vi.waitFor(() => expect(warnings.some((m) => m.includes(reason))).toBe(true));
          expect(warnings.some((m) => m.includes('left untouched'))).toBe(true);
        }
      } finally {
        process.off('warning', onWarning);
      }
      const { down, exporter } = await drain(dir, { encryption: KEY });
      const ids = counted(down.ids());
      expect(ids.size).toBe(1200);
      expect([...ids.values()].every((n) => n === 1)).toBe(true);
      expect(exporter.getStats().skippedFiles).toBe(0);
      await exporter.shutdown();
      expect(recordFiles(dir).size).toBe(0);
    });

    it('should name a flipped byte in an encrypted frame as corrupt and deliver the frames after it', async () => {
      const dir = tempDir();
      await fill(dir, 3, { encryption: KEY, segmentBytes: 1024 * 1024 });
      const [seg] = segments(dir);
      const b = readFileSync(seg!);
      const second = 32 + 40 + b.readUInt32LE(32 + 8);
      expect(b.readUInt32LE(second + 12)).toBe(100);
      b[second + 140] = b[second + 140]! ^ 0x04; // inside the ciphertext of the second frame
      writeFileSync(seg!, b);

      const [inspected] = await inspectWal(dir, { encryption: KEY });
      expect(inspected!.problems).toMatchObject([
        { kind: 'corrupt', path: seg, offset: second, records: 100 },
      ]);

      const { down, exporter } = await drain(dir, { encryption: KEY });
      const s = exporter.getStats();
      expect(down.ids()).toEqual([
        ...Array.from({ length: 100 }, (_, i) => i),
        ...Array.from({ length: 100 }, (_, i) => 200 + i),
      ]);
      expect(s.corruptFrames).toBe(1);
      expect(s.dropped.corrupt.total).toBe(100);
      expect(s.skippedFiles).toBe(0);
      await exporter.shutdown();
    });

    it('should hold a segment whose frame was altered with its checksum recomputed (GCM tag)', async () => {
      const dir = tempDir();
      await fill(dir, 3, { encryption: KEY, segmentBytes: 1024 * 1024 });
      const [seg] = segments(dir);
      const b = readFileSync(seg!);
      const second = 32 + 40 + b.readUInt32LE(32 + 8);
      const end = second + 40 + b.readUInt32LE(second + 8);
      b[second + 140] = b[second + 140]! ^ 0x04;
      b.writeUInt32LE(crc32(b, second + 8, end), second + 4);
      writeFileSync(seg!, b);
      const before = readFileSync(seg!);
      const { down, exporter } = await startAndRecover(dir, { encryption: KEY });
      expect(down.records).toHaveLength(0);
      const s = exporter.getStats();
      expect(s.skippedFiles).toBe(1);
      expect(s.corruptFrames).toBe(1);
      expect(s.lastError?.message).toContain(
        `frame at offset ${second}: decryption with key id 7 failed: wrong key, or the frame was altered`,
      );
      await exporter.shutdown();
      expect(readFileSync(seg!).equals(before)).toBe(true);
    });

    it('should still read plain segments written before encryption was turned on', async () => {
      const dir = tempDir();
      await fill(dir, 2, {});
      const plainSegs = segments(dir);
      const down = new CollectingExporter();
      down.failing = true;
      const a = setup(dir, down, { encryption: KEY, retry: { initialMillis: 60_000 } });
      await new Promise((r) => a.export(secretRecords(100, 200), r));
      await a.shutdown();
      const versions = segments(dir).map((p) => readFileSync(p)[4]);
      expect(versions).toEqual([...plainSegs.map(() => 1), 2]);

      const { down: after, exporter } = await drain(dir, { encryption: KEY });
      expect(after.ids()).toEqual(Array.from({ length: 300 }, (_, i) => i));
      expect(exporter.getStats().corruptFrames).toBe(0);
      await exporter.shutdown();
    });

    it('should have the encrypted frame in the file when exportSync returns, under fsync never', async () => {
      const dir = tempDir();
      const down = new CollectingExporter();
      down.failing = true;
      const exporter = setup(dir, down, {
        encryption: KEY,
        fsync: 'never',
        retry: { initialMillis: 60_000 },
      });
      exporter.exportSync(secretRecords(3, 0));
      // Read before yielding once: nothing asynchronous has run since exportSync returned.
      const [seg] = segments(dir);
      const b = readFileSync(seg!);
      expect(b.includes(SECRET)).toBe(false);
      expect(b.readUInt32LE(32)).toBe(0x45465053); // "SPFE"
      const length = b.readUInt32LE(32 + 8);
      expect(b.length).toBe(32 + 40 + length);
      const cipher = new SyncFrameCipher(KEY, false);
      const r = cipher.decrypt(
        b.readUInt32LE(32 + 24),
        b.subarray(32 + 28, 32 + 40),
        associatedData(b, 32),
        b.subarray(32 + 40),
      );
      expect(r.ok && r.plain.includes(SECRET)).toBe(true);
      await exporter.shutdown();
    });

    it('should encrypt the slot of a SlottedDiskBufferedLogRecordExporter and drain it with the key', async () => {
      const root = tempDir();
      const down = new CollectingExporter();
      down.failing = true;
      const slotted = new SlottedDiskBufferedLogRecordExporter({
        exporter: down,
        directory: root,
        fsync: 'always',
        retry: { initialMillis: 60_000 },
        shutdownTimeoutMillis: 1,
        encryption: KEY,
      });
      await new Promise((r) => slotted.export(secretRecords(100, 0), r));
      await slotted.shutdown();
      expect(filesWithSecret(root)).toEqual([]);
      expect(readFileSync(segments(root)[0]!)[4]).toBe(2);
      const { down: after, exporter } = await drain(root, { encryption: KEY });
      expect(after.ids()).toEqual(Array.from({ length: 100 }, (_, i) => i));
      await exporter.shutdown();
    });

    it('should read pending records with the keys, and report undecryptable frames without them', async () => {
      const dir = tempDir();
      await fill(dir, 12, { encryption: KEY }, true);
      const ids: number[] = [];
      const problems: string[] = [];
      for await (const batch of readPendingWalRecords(dir, {
        encryption: KEY,
        onProblem: (p) => problems.push(p.message),
      })) {
        for (const r of batch.records) ids.push(r.attributes['test.id'] as number);
      }
      expect(problems).toEqual([]);
      expect(ids.sort((x, y) => x - y)).toEqual(Array.from({ length: 1200 }, (_, i) => i));

      const [keyed] = await inspectWal(dir, { encryption: KEY, decode: true });
      expect(keyed!.recordsPending).toBe(1200);
      expect(keyed!.problems).toEqual([]);
      const [keyless] = await inspectWal(dir);
      // Still pending (the owner keeps such files), each frame named.
      expect(keyless!.recordsPending).toBe(1200);
      const walProblems = keyless!.problems.filter((p) => p.kind === 'undecryptable');
      expect(walProblems.length).toBeGreaterThan(0);
      expect(walProblems[0]!.message).toContain('no encryption key was given');
    });
  });
});
