import { closeSync, openSync, readFileSync, truncateSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CompressedFileWriter,
  metadataOfRecords,
  readFrameTable,
  verifyCompressedFile,
} from '../src/index';
import { generatedRecords, indexEntries, tempDir } from './helpers';

async function setup() {
  const path = join(tempDir(), 'svc-20260101-000000.zst');
  const w = await CompressedFileWriter.create(path);
  const records = generatedRecords(300);
  for (let i = 0; i < 3; i++) {
    w.appendRecords(records.slice(i * 100, i * 100 + 100));
    await w.cutFrame();
  }
  await w.close();
  return { path, records, frames: (await readFrameTable(path)).frames };
}

describe('verifyCompressedFile', () => {
  it('should pass a sound file and count its frames, records and raw bytes', async () => {
    const { path, frames } = await setup();
    const report = await verifyCompressedFile(path);
    expect(report).toMatchObject({ ok: true, frames: 3, records: 300, problems: [] });
    expect(report.rawBytes).toBe(frames.reduce((n, f) => n + f.rawLength, 0));
  });

  it('should name the file and offset of a corrupt frame', async () => {
    const { path, frames } = await setup();
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.from([0x00, 0x00, 0x00]), 0, 3, frames[1]!.offset + 70);
    closeSync(fd);
    const report = await verifyCompressedFile(path);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      expect.objectContaining({ kind: 'corrupt', path, offset: frames[1]!.offset }),
    ]);
    expect(report.problems[0]!.message).toContain(`frame 1 at offset ${frames[1]!.offset}`);
  });

  it('should report a missing, a stale and a disagreeing index', async () => {
    const a = await setup();
    unlinkSync(`${a.path}.idx`);
    expect((await verifyCompressedFile(a.path)).problems.map((p) => p.message)).toEqual([
      `${a.path}.idx: index missing`,
    ]);
    const b = await setup();
    truncateSync(`${b.path}.idx`, 16 + indexEntries(readFileSync(`${b.path}.idx`))[0]!.length);
    expect((await verifyCompressedFile(b.path)).problems.map((p) => p.message)).toEqual([
      `${b.path}.idx: 1 entries for 3 frames`,
    ]);
  });

  it('should catch a header whose metadata does not match the content', async () => {
    const path = join(tempDir(), 'lying.zst');
    const w = await CompressedFileWriter.create(path);
    const records = generatedRecords(10);
    w.appendLines(
      `${JSON.stringify({ resourceLogs: [] })}\n`,
      metadataOfRecords(records), // claims 10 records
    );
    await w.close();
    const report = await verifyCompressedFile(path);
    expect(report.problems.map((p) => p.message)).toContainEqual(
      expect.stringMatching(/0 records, header says 10/),
    );
  });

  it('should reject a line that is not OTLP/JSON LogsData', async () => {
    const path = join(tempDir(), 'bad-shape.zst');
    const w = await CompressedFileWriter.create(path);
    const lr = { timeUnixNano: 1767225600000000000, severityNumber: 9 }; // number, not a string
    w.appendLines(
      `${JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [lr] }] }] })}\n`,
      {
        records: 1,
        minTimeUnixNano: 0n,
        maxTimeUnixNano: 0n,
        maxSeverity: 9,
      },
    );
    await w.close();
    const report = await verifyCompressedFile(path);
    expect(report.problems[0]!.message).toMatch(/timeUnixNano.*not a uint64 decimal string/);
    expect(readFileSync(path).length).toBeGreaterThan(0);
  });
});
