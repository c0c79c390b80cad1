import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { encodeLogsDataLine } from '@spillway/record-format';
import { describe, expect, it } from 'vitest';
import {
  CompressedFileWriter,
  createReadStats,
  metadataOfRecords,
  readFrames,
  readFrameTable,
  verifyCompressedFile,
} from '../src/index';
import { logsDataViolation } from '../src/internal/logs-data-shape';
import { generatedRecords, HAVE_CLI_TOOLS, sh, tempDir } from './helpers';

async function setup(frameBytes = 64 * 1024) {
  const path = join(tempDir(), 'svc-20260101-000000.zst');
  const writer = await CompressedFileWriter.create(path, { frameBytes });
  return { path, writer };
}

describe('CompressedFileWriter', () => {
  describe('create', () => {
    it('should create the file and its index with mode 0600', async () => {
      const { path, writer } = await setup();
      await writer.close();
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(statSync(`${path}.idx`).mode & 0o777).toBe(0o600);
    });

    it('should refuse to overwrite an existing file', async () => {
      const { path, writer } = await setup();
      await writer.close();
      await expect(CompressedFileWriter.create(path)).rejects.toThrow(/EEXIST/);
    });
  });

  describe('appendRecords', () => {
    it.skipIf(!HAVE_CLI_TOOLS)(
      'should write lines that zstd -dc and jq parse, each a valid OTLP/JSON LogsData',
      async () => {
        const { path, writer } = await setup();
        const records = generatedRecords(5000);
        for (let i = 0; i < records.length; i += 250)
          writer.appendRecords(records.slice(i, i + 250));
        await writer.close();
        expect(writer.framesWritten).toBeGreaterThan(3);
        // jq reads every line; the count of records across lines must be exact.
        const total = sh(
          `zstd -dc ${path} | jq -s '[.[].resourceLogs[].scopeLogs[].logRecords | length] | add'`,
        );
        expect(Number(total)).toBe(5000);
        const lines = sh(`zstd -dc ${path}`)
          .split('\n')
          .filter((l) => l !== '');
        expect(lines).toHaveLength(20);
        for (const line of lines) expect(logsDataViolation(JSON.parse(line))).toBeUndefined();
        const first = JSON.parse(lines[0]!).resourceLogs[0].scopeLogs[0].logRecords[0];
        expect(first.timeUnixNano).toMatch(/^\d{19}$/);
        expect(Number.isInteger(first.severityNumber)).toBe(true);
      },
    );

    it('should cut a frame when the pending lines reach frameBytes', async () => {
      const { path, writer } = await setup(10_000);
      const records = generatedRecords(200);
      for (const r of records) writer.appendRecords([r]);
      await writer.close();
      const table = await readFrameTable(path);
      expect(table.frames.length).toBeGreaterThan(3);
      for (const f of table.frames.slice(0, -1)) expect(f.rawLength).toBeGreaterThanOrEqual(10_000);
      expect(table.frames.reduce((n, f) => n + f.records, 0)).toBe(200);
      expect((await verifyCompressedFile(path)).problems).toEqual([]);
    });
  });

  describe('appendLines', () => {
    it('should keep pre-encoded lines and their metadata in one frame', async () => {
      const { path, writer } = await setup(1 << 30);
      const records = generatedRecords(30);
      const text = `${encodeLogsDataLine(records.slice(0, 10))}\n${encodeLogsDataLine(records.slice(10))}\n`;
      writer.appendLines(text, metadataOfRecords(records));
      await writer.close();
      const frames = [];
      for await (const f of readFrames(path)) frames.push(f);
      expect(frames).toHaveLength(1);
      expect(frames[0]!.lines).toEqual(text.trimEnd().split('\n'));
      expect(frames[0]!.records).toBe(30);
      expect((await verifyCompressedFile(path)).ok).toBe(true);
    });

    it('should reject text that does not end with a newline', async () => {
      const { writer } = await setup();
      expect(() => writer.appendLines('{"resourceLogs":[]}', metadataOfRecords([]))).toThrow(
        /must end/,
      );
      await writer.close();
    });
  });

  describe('cutFrame', () => {
    it('should write one frame per call with the index entry describing it', async () => {
      const { path, writer } = await setup(1 << 30);
      const records = generatedRecords(90);
      for (let i = 0; i < 3; i++) {
        writer.appendRecords(records.slice(i * 30, i * 30 + 30));
        await writer.cutFrame();
      }
      await writer.cutFrame(); // nothing pending: no empty frame
      await writer.close();
      const table = await readFrameTable(path);
      expect(table.problems).toEqual([]);
      expect(table.indexedFrames).toBe(3);
      expect(table.frames.map((f) => f.records)).toEqual([30, 30, 30]);
      const { traceIds, ...meta } = metadataOfRecords(records.slice(30, 60));
      expect(table.frames[1]).toMatchObject(meta);
      // Version 2 entries: 56 fixed bytes, 16 filter bits per distinct trace id (≥ 8 bytes), a CRC.
      const filterBytes = (n: number) => Math.max(8, Math.ceil((n * 16) / 8));
      const sizes = [0, 1, 2].map((i) => {
        const ids = metadataOfRecords(records.slice(i * 30, i * 30 + 30)).traceIds!;
        return 60 + filterBytes(ids.size);
      });
      expect(traceIds!.size).toBeGreaterThan(0);
      expect(readFileSync(`${path}.idx`).length).toBe(16 + sizes[0]! + sizes[1]! + sizes[2]!);
    });
  });

  describe('close', () => {
    it('should reject appends after close', async () => {
      const { writer } = await setup();
      await writer.close();
      await writer.close();
      expect(() => writer.appendRecords(generatedRecords(1))).toThrow(/closed/);
    });
  });

  describe('readFrames', () => {
    it('should decode only the frames the index admits for a time window', async () => {
      const { path, writer } = await setup(1 << 30);
      // 10 frames of 100 records, 1 s per frame.
      const records = generatedRecords(1000, { intervalMicros: 10_000 });
      for (let i = 0; i < 10; i++) {
        writer.appendRecords(records.slice(i * 100, i * 100 + 100));
        await writer.cutFrame();
      }
      await writer.close();
      const start = Date.UTC(2026, 0, 1);
      const stats = createReadStats();
      const got = [];
      for await (const f of readFrames(path, { since: start + 3000, until: start + 4500, stats }))
        got.push(f);
      expect(got.map((f) => f.frameIndex)).toEqual([3, 4]);
      expect(stats.framesDecoded).toBe(2);
      expect(stats.framesSkipped).toBe(8);
    });
  });
});
