import { type FileHandle, open, readFile, rename } from 'node:fs/promises';
import type { FrameInfo, FrameTable } from '../types';
import { decodeFrameHeader, FRAME_HEADER_BYTES, FRAME_HEADER_PREFIX } from './frame-header';
import { decodeIndex, encodeIndexEntry, encodeIndexHeader } from './index-file';

const RESYNC_CHUNK = 1024 * 1024;

/**
 * Reads the frame table of `path`: trusts the longest prefix of index entries that tiles the file
 * from offset 0, then scans frame headers from where the index stops (a stale index after a crash,
 * or none at all). `useIndex: false` scans everything (what `verify` compares the index against).
 */
export async function loadFrameTable(
  path: string,
  options: { useIndex?: boolean } = {},
): Promise<FrameTable> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const table: FrameTable = { path, size, frames: [], problems: [], indexedFrames: 0 };
    let from = 0;
    if (options.useIndex !== false) from = await fromIndex(table);
    await scanFrom(fh, table, from);
    return table;
  } finally {
    await fh.close();
  }
}

async function fromIndex(table: FrameTable): Promise<number> {
  const { path, size } = table;
  let bytes: Buffer;
  try {
    bytes = await readFile(`${path}.idx`);
  } catch {
    if (size > 0) indexProblem(table, 'index missing: frames found by scanning');
    return 0;
  }
  const { entries, problem } = decodeIndex(bytes);
  let end = 0;
  for (const e of entries) {
    if (e.offset !== end || e.offset + e.length > size || e.length <= FRAME_HEADER_BYTES) {
      indexProblem(
        table,
        `index entry ${table.frames.length} does not match the file (offset ${e.offset}, length ${e.length}, file ${size} bytes): rest scanned`,
      );
      return end;
    }
    table.frames.push({ ...e, frameIndex: table.frames.length });
    end = e.offset + e.length;
  }
  table.indexedFrames = table.frames.length;
  if (problem) indexProblem(table, `${problem}: rest scanned`);
  else if (end < size)
    indexProblem(table, `index stale: covers ${end} of ${size} bytes, rest scanned`);
  return end;
}

function indexProblem(table: FrameTable, message: string): void {
  table.problems.push({
    kind: 'index',
    path: table.path,
    offset: 0,
    length: 0,
    records: 0,
    message,
  });
}

export async function readAt(fh: FileHandle, pos: number, len: number): Promise<Buffer> {
  const buf = Buffer.alloc(len);
  let got = 0;
  while (got < len) {
    const { bytesRead } = await fh.read(buf, got, len - got, pos + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got === len ? buf : buf.subarray(0, got);
}

async function scanFrom(fh: FileHandle, table: FrameTable, start: number): Promise<void> {
  const { path, size } = table;
  let p = start;
  while (p < size) {
    const head = await readAt(fh, p, FRAME_HEADER_BYTES);
    const parsed = decodeFrameHeader(head);
    if (parsed.ok) {
      const h = parsed.header;
      const length = FRAME_HEADER_BYTES + h.dataLength;
      if (p + length > size) {
        table.problems.push({
          kind: 'torn',
          path,
          offset: p,
          length: size - p,
          records: h.records,
          message: `torn frame at offset ${p}: header announces ${length} bytes, file ends after ${size - p}`,
        });
        return;
      }
      table.frames.push({
        frameIndex: table.frames.length,
        offset: p,
        length,
        rawLength: h.rawLength,
        records: h.records,
        lines: h.lines,
        minTimeUnixNano: h.minTimeUnixNano,
        maxTimeUnixNano: h.maxTimeUnixNano,
        maxSeverity: h.maxSeverity,
        checksum: h.checksum,
      });
      p += length;
      continue;
    }
    const next = await resync(fh, p + 1, size);
    const tornTail = next === size && head.length < FRAME_HEADER_BYTES && isPrefixOfHeader(head);
    table.problems.push({
      kind: tornTail ? 'torn' : 'corrupt',
      path,
      offset: p,
      length: next - p,
      records: 0,
      message: tornTail
        ? `torn frame header at offset ${p}: ${head.length} bytes at end of file`
        : `corrupt bytes at offset ${p} (${parsed.reason}): ${next - p} bytes skipped`,
    });
    p = next;
  }
}

function isPrefixOfHeader(b: Buffer): boolean {
  const n = Math.min(b.length, FRAME_HEADER_PREFIX.length);
  return b.subarray(0, n).equals(FRAME_HEADER_PREFIX.subarray(0, n));
}

/** The offset of the next valid frame header at or after `from`, else `size`. */
async function resync(fh: FileHandle, from: number, size: number): Promise<number> {
  const overlap = FRAME_HEADER_BYTES - 1;
  for (let pos = from; pos < size; pos += RESYNC_CHUNK) {
    const chunk = await readAt(fh, pos, RESYNC_CHUNK + overlap);
    for (let i = chunk.indexOf(FRAME_HEADER_PREFIX); i !== -1 && i < RESYNC_CHUNK; ) {
      const parsed = decodeFrameHeader(chunk.subarray(i, i + FRAME_HEADER_BYTES));
      if (parsed.ok || i + FRAME_HEADER_BYTES > chunk.length) return pos + i;
      i = chunk.indexOf(FRAME_HEADER_PREFIX, i + 1);
    }
  }
  return size;
}

/**
 * Rewrites `<path>.idx` from a scan of the file's frame headers (atomically: temp file, fsync,
 * rename). Use it to repair a lost or damaged index; never while a writer has the file open.
 */
export async function writeFrameIndex(
  path: string,
  frames: ReadonlyArray<FrameInfo>,
): Promise<void> {
  const tmp = `${path}.idx.tmp-${process.pid}`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(Buffer.concat([encodeIndexHeader(), ...frames.map(encodeIndexEntry)]));
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, `${path}.idx`);
}
