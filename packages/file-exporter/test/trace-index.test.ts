import { closeSync, openSync, readFileSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { crc32, encodeLogsDataLine } from '@spillway/record-format';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CompressedFileWriter,
  type CompressedFileWriterOptions,
  createReadStats,
  metadataOfRecords,
  type ReadStats,
  readFrameTable,
  readLogRecords,
  readLogsDataLines,
  rebuildFrameIndex,
  verifyCompressedFile,
  ZstdFileLogRecordExporter,
} from '../src/index';
import { buildTraceFilter, mayHoldTrace } from '../src/internal/trace-filter';
import { exportAll, generatedRecords, indexEntries, tempDir } from './helpers';

// Index version 2's per-frame trace filter: what a trace lookup may skip, and that it never
// skips a frame holding the trace.

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function withTrace(r: ReadableLogRecord, traceId: string): ReadableLogRecord {
  return { ...r, spanContext: { traceId, spanId: '00f067aa0ba902b7', traceFlags: 1 } };
}

const ENCRYPTION = { keys: [{ id: 4, key: Buffer.alloc(32, 0x44) }], activeKeyId: 4 };

/** A file of `frames.length` frames; frame i holds records of the trace ids `frames[i]`. */
async function writeFile(
  frames: string[][],
  seed = 3,
  options: CompressedFileWriterOptions = {},
): Promise<string> {
  const path = join(tempDir(), 'svc-20260101-000000.zst');
  const writer = await CompressedFileWriter.create(path, options);
  const total = frames.reduce((n, ids) => n + ids.length, 0);
  const records = generatedRecords(Math.max(total, 1), { seed });
  let k = 0;
  for (const ids of frames) {
    writer.appendRecords(ids.map((id) => withTrace(records[k++]!, id)));
    await writer.cutFrame();
  }
  await writer.close();
  return path;
}

async function lookup(path: string, traceId: string, encryption?: typeof ENCRYPTION) {
  const stats = createReadStats();
  let records = 0;
  for await (const r of readLogRecords(path, {
    traceId,
    stats,
    ...(encryption && { encryption }),
  })) {
    expect(r.spanContext!.traceId.toLowerCase()).toBe(traceId.toLowerCase());
    records++;
  }
  return { records, stats };
}

/** Ten frames of 100 distinct traces each (2 records per trace), trace ids from seeded bytes. */
function tenFrames(): string[][] {
  const ids = fc.sample(fc.uint8Array({ minLength: 16, maxLength: 16 }), {
    seed: 11,
    numRuns: 1000,
  });
  return Array.from({ length: 10 }, (_, f) =>
    ids.slice(f * 100, f * 100 + 100).flatMap((b) => [hex(b), hex(b)]),
  );
}

/** The version 1 index (52-byte entries, FORMAT.md) of a file's frames, as an old writer wrote it. */
async function writeV1Index(path: string): Promise<void> {
  const { frames } = await readFrameTable(path, { useIndex: false });
  const header = Buffer.alloc(16);
  header.write('SWIX', 0, 'latin1');
  header.writeUInt8(1, 4);
  header.writeUInt16LE(52, 6);
  const entries = frames.map((f) => {
    const e = Buffer.alloc(52);
    e.writeBigUInt64LE(BigInt(f.offset), 0);
    e.writeUInt32LE(f.length, 8);
    e.writeUInt32LE(f.rawLength, 12);
    e.writeUInt32LE(f.records, 16);
    e.writeUInt32LE(f.lines, 20);
    e.writeBigUInt64LE(f.minTimeUnixNano, 24);
    e.writeBigUInt64LE(f.maxTimeUnixNano, 32);
    e.writeUInt32LE(f.checksum, 40);
    e.writeUInt8(f.maxSeverity, 44);
    e.writeUInt32LE(crc32(e.subarray(0, 48)), 48);
    return e;
  });
  writeFileSync(`${path}.idx`, Buffer.concat([header, ...entries]));
}

const decodedAll = (s: ReadStats) =>
  s.framesDecoded === s.framesTotal && s.framesSkippedByTrace === 0;

describe('trace filter', () => {
  it('should never answer "absent" for an id it was built with', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.uint8Array({ minLength: 16, maxLength: 16 }), { maxLength: 400 }),
        (raw) => {
          const ids = new Set(raw.map(hex));
          const filter = buildTraceFilter(ids);
          expect(filter.bits.length).toBe(Math.max(8, ids.size * 2));
          for (const id of ids) {
            expect(mayHoldTrace(filter, id)).toBe(true);
            expect(mayHoldTrace(filter, id.toUpperCase())).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('should answer "maybe" for ids it cannot hash and without a filter', () => {
    const filter = buildTraceFilter(new Set());
    expect(mayHoldTrace(filter, '4bf92f3577b34da6a3ce929d0e0e4736')).toBe(false);
    expect(mayHoldTrace(filter, 'not-a-trace-id')).toBe(true);
    expect(mayHoldTrace(undefined, '4bf92f3577b34da6a3ce929d0e0e4736')).toBe(true);
  });
});

describe('readLogRecords', () => {
  describe('traceId', () => {
    it('should find every record of every trace, whatever the ids and frames (no false negative)', async () => {
      const traceId = fc
        .tuple(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.boolean())
        .map(([b, upper]) => (upper ? hex(b).toUpperCase() : hex(b)));
      await fc.assert(
        fc.asyncProperty(
          fc.uniqueArray(traceId, { minLength: 1, maxLength: 40 }),
          fc.array(fc.array(fc.nat(), { minLength: 1, maxLength: 60 }), {
            minLength: 1,
            maxLength: 6,
          }),
          async (ids, picks) => {
            const frames = picks.map((frame) => frame.map((p) => ids[p % ids.length]!));
            const path = await writeFile(frames);
            for (const id of [...ids.slice(0, 8), '0123456789abcdef0123456789abcdef']) {
              const expected = frames.flat().filter((x) => x.toLowerCase() === id.toLowerCase());
              const { records, stats } = await lookup(path, id.toLowerCase());
              expect(records).toBe(expected.length);
              const holding = frames.filter((f) => f.includes(id)).length;
              expect(stats.framesDecoded).toBeGreaterThanOrEqual(holding);
              expect(stats.framesDecoded + stats.framesSkippedByTrace).toBe(frames.length);
            }
          },
        ),
        { numRuns: 25 },
      );
    });

    it('should decode only the frame holding the trace and count the frames skipped', async () => {
      const frames = tenFrames();
      const path = await writeFile(frames);
      const id = frames[6]![40]!;
      const { records, stats } = await lookup(path, id);
      expect(records).toBe(2);
      expect(stats).toMatchObject({
        framesTotal: 10,
        framesDecoded: 1,
        framesSkipped: 9,
        framesSkippedByTrace: 9,
      });
      // The raw OTLP/JSON mode skips the same frames.
      const raw = createReadStats();
      const lines: string[] = [];
      for await (const l of readLogsDataLines(path, { traceId: id.toUpperCase(), stats: raw })) {
        lines.push(l);
      }
      expect(lines).toHaveLength(1);
      expect(raw.framesDecoded).toBe(1);
    });

    it('should decode every frame for an id that is not 32 hex digits', async () => {
      const path = await writeFile(tenFrames());
      const { records, stats } = await lookup(path, 'not-a-trace-id');
      expect(records).toBe(0);
      expect(decodedAll(stats)).toBe(true);
    });

    it('should read a version 1 index and then decode every frame', async () => {
      const frames = tenFrames();
      const path = await writeFile(frames);
      await writeV1Index(path);
      const table = await readFrameTable(path);
      expect(table.problems).toEqual([]);
      expect(table.indexedFrames).toBe(10);
      expect(table.frames.every((f) => f.traceFilter === undefined)).toBe(true);
      const { records, stats } = await lookup(path, frames[3]![0]!);
      expect(records).toBe(2);
      expect(decodedAll(stats)).toBe(true);
      expect((await verifyCompressedFile(path)).ok).toBe(true);
    });

    it('should reject an entry whose filter bytes are damaged and scan from there, losing nothing', async () => {
      const frames = tenFrames();
      const path = await writeFile(frames);
      const entries = indexEntries(readFileSync(`${path}.idx`));
      expect(entries).toHaveLength(10);
      // A byte inside entry 4's filter: its fixed part still checks, its entry checksum does not.
      const at = 16 + entries.slice(0, 4).reduce((n, e) => n + e.length, 0) + 56 + 50;
      const fd = openSync(`${path}.idx`, 'r+');
      writeSync(fd, Buffer.from([readFileSync(`${path}.idx`)[at]! ^ 0x01]), 0, 1, at);
      closeSync(fd);
      const table = await readFrameTable(path);
      expect(table.indexedFrames).toBe(4);
      expect(table.problems.map((p) => p.message)).toEqual([
        `entry 4 trace filter checksum mismatch at index offset ${at - 56 - 50}: rest scanned`,
      ]);
      expect(table.frames).toHaveLength(10);
      for (const f of [2, 7]) {
        const { records, stats } = await lookup(path, frames[f]![10]!);
        expect(records).toBe(2);
        // Frames 0–3 are skipped by their filters; 4–9 came from the scan, without filters.
        expect(stats.framesSkippedByTrace).toBe(f < 4 ? 3 : 4);
        expect(stats.framesDecoded).toBe(f < 4 ? 7 : 6);
      }
      let all = 0;
      for await (const _ of readLogRecords(path)) all++;
      expect(all).toBe(2000);
    });

    it('should recognise a torn last entry and trust the entries before it', async () => {
      const frames = tenFrames();
      const path = await writeFile(frames);
      const entries = indexEntries(readFileSync(`${path}.idx`));
      const nine = entries.slice(0, 9).reduce((n, e) => n + e.length, 0);
      for (const cut of [20, 56, 56 + 100]) {
        const bytes = readFileSync(`${path}.idx`);
        writeFileSync(`${path}.idx.keep`, bytes);
        truncateSync(`${path}.idx`, 16 + nine + cut);
        const table = await readFrameTable(path);
        expect(table.indexedFrames).toBe(9);
        expect(table.problems.map((p) => p.message)).toEqual([
          `torn index entry at index offset ${16 + nine}: rest scanned`,
        ]);
        const { records } = await lookup(path, frames[9]![0]!);
        expect(records).toBe(2);
        writeFileSync(`${path}.idx`, readFileSync(`${path}.idx.keep`));
      }
    });

    it('should give frames whose lines came without trace ids no filter', async () => {
      const path = join(tempDir(), 'svc-20260101-000000.zst');
      const writer = await CompressedFileWriter.create(path);
      const generated = generatedRecords(200);
      const records = tenFrames()[0]!.map((id, i) => withTrace(generated[i]!, id));
      const { traceIds: _, ...handBuilt } = metadataOfRecords(records.slice(0, 100));
      writer.appendLines(`${encodeLogsDataLine(records.slice(0, 100))}\n`, handBuilt);
      await writer.cutFrame();
      writer.appendRecords(records.slice(100));
      await writer.close();
      const table = await readFrameTable(path);
      expect(table.frames.map((f) => f.traceFilter === undefined)).toEqual([true, false]);
      const first = await lookup(path, records[0]!.spanContext!.traceId);
      expect(first.records).toBe(2);
      expect(first.stats.framesDecoded).toBe(1);
      const second = await lookup(path, records[150]!.spanContext!.traceId);
      expect(second.records).toBe(2);
      expect(second.stats.framesDecoded).toBe(2);
    });
  });
});

describe('rebuildFrameIndex', () => {
  it('should write a version 2 index with the trace filters of the decoded frames', async () => {
    const frames = tenFrames();
    const path = await writeFile(frames);
    const written = readFileSync(`${path}.idx`);
    await writeV1Index(path);
    await rebuildFrameIndex(path);
    const rebuilt = readFileSync(`${path}.idx`);
    expect(rebuilt.readUInt8(4)).toBe(2);
    // The same bytes the writer wrote: same frames, same ids, same filters.
    expect(rebuilt.equals(written)).toBe(true);
    const { records, stats } = await lookup(path, frames[8]![99]!);
    expect(records).toBe(2);
    expect(stats.framesDecoded).toBe(1);
    expect((await verifyCompressedFile(path)).ok).toBe(true);
  });

  it('should give an encrypted file its trace filters with the keys, and none without them', async () => {
    const frames = tenFrames();
    const path = await writeFile(frames, 3, { encryption: ENCRYPTION });
    const written = readFileSync(`${path}.idx`);
    const traceId = frames[8]![99]!;
    // Without the keys no frame decodes: the index is rebuilt without filters, so a lookup
    // decrypts every frame to find the trace.
    await rebuildFrameIndex(path);
    expect(readFileSync(`${path}.idx`).equals(written)).toBe(false);
    const blind = await lookup(path, traceId, ENCRYPTION);
    expect(blind.records).toBe(2);
    expect(blind.stats.framesDecoded).toBe(10);
    await rebuildFrameIndex(path, { encryption: ENCRYPTION });
    expect(readFileSync(`${path}.idx`).equals(written)).toBe(true);
    const { records, stats } = await lookup(path, traceId, ENCRYPTION);
    expect(records).toBe(2);
    expect(stats.framesDecoded).toBe(1);
  });
});

describe('ZstdFileLogRecordExporter', () => {
  it('should write trace filters that let a lookup skip the other frames', async () => {
    const dir = tempDir();
    const exporter = new ZstdFileLogRecordExporter({ directory: dir, minFreeBytes: 0 });
    const records = generatedRecords(4000, { seed: 5 });
    for (let i = 0; i < records.length; i += 500) {
      await exportAll(exporter, records.slice(i, i + 500));
      await exporter.forceFlush();
    }
    await exporter.shutdown();
    const id = records[2222]!.spanContext!.traceId;
    const expected = records.filter((r) => r.spanContext?.traceId === id).length;
    const stats = createReadStats();
    let n = 0;
    for await (const _ of readLogRecords(dir, { traceId: id, stats })) n++;
    expect(n).toBe(expected);
    expect(stats.framesTotal).toBe(8);
    expect(stats.framesDecoded).toBeLessThanOrEqual(2);
    expect(stats.framesSkippedByTrace).toBe(8 - stats.framesDecoded);
  });
});
