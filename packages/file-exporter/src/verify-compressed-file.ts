import type { OtlpJsonLogsData } from '@spillway/record-format';
import { crc32 } from '@spillway/record-format';
import { FrameCipher, zstdDataOf } from './internal/frame-cipher';
import { decodeFrameHeader, hex } from './internal/frame-header';
import { loadFrameTable, readAt } from './internal/frame-table';
import { ChainHasher, FileChainCheck } from './internal/hash-chain';
import { decodeIndex } from './internal/index-file';
import { logsDataViolation } from './internal/logs-data-shape';
import { openRegularFile, readRegularFile } from './internal/regular-file';
import { metadataOfLogsData } from './record-metadata';
import type { EncryptionOptions, FrameInfo, FrameProblem } from './types';
import { zstdDecompress } from './zstd-codec';

/** The result of {@link verifyCompressedFile}. */
export interface VerifyReport {
  path: string;
  /** Bytes of the .zst file. */
  size: number;
  /** Frames found by scanning headers. */
  frames: number;
  /** Records counted in the frames that decoded. */
  records: number;
  /** Raw bytes of the frames that decoded. */
  rawBytes: number;
  /** Every problem, in file order; empty when the file is sound. */
  problems: FrameProblem[];
  ok: boolean;
  /**
   * With `chain: true`: hex links of the chain through the file — `firstLink` is what its first
   * frame carries (the previous file's last frame, zeros for none), `lastLink` that of its last
   * frame (what the next file's first frame must carry); undefined for a file without frames.
   */
  chain?: { firstLink: string; lastLink: string };
}

/** Options of {@link verifyCompressedFile}. */
export interface VerifyOptions {
  onProgress?: (bytesDone: number) => void;
  /** Keys to decrypt encrypted frames with (without them their contents cannot be checked). */
  encryption?: Pick<EncryptionOptions, 'keys'>;
  /**
   * Also follow the hash chain: every frame must be chained and link to the frame before; the
   * first broken link is a `chain` problem naming the frame and offset. Default false.
   */
  chain?: boolean;
  /** The HMAC key the chain was written with (`ChainOptions.key`). */
  chainKey?: Buffer;
}

const FIELDS = [
  'offset',
  'length',
  'rawLength',
  'records',
  'lines',
  'minTimeUnixNano',
  'maxTimeUnixNano',
  'maxSeverity',
  'checksum',
] as const;

/**
 * Checks one compressed file completely, without trusting the index: scans every frame header,
 * verifies each data checksum, decompresses each frame, parses each line as OTLP/JSON `LogsData`
 * (shape included), recomputes record count, time range and max severity and compares them with
 * the frame header, then compares the `.idx` sidecar entry by entry. `onProgress` gets the bytes
 * checked so far. Encrypted frames are decrypted with `encryption` (a wrong or missing key is a
 * `corrupt` problem naming the frame); `chain: true` also proves no frame was altered, removed,
 * reordered or inserted (see {@link VerifyOptions.chain}).
 */
export async function verifyCompressedFile(
  path: string,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const cipher = options.encryption ? new FrameCipher(options.encryption, false) : undefined;
  const chain = options.chain ? new FileChainCheck(new ChainHasher(options.chainKey)) : undefined;
  const table = await loadFrameTable(path, { useIndex: false });
  const report: VerifyReport = {
    path,
    size: table.size,
    frames: table.frames.length,
    records: 0,
    rawBytes: 0,
    problems: [...table.problems],
    ok: false,
  };
  const corrupt = (f: FrameInfo, message: string) =>
    report.problems.push({
      kind: 'corrupt',
      path,
      offset: f.offset,
      length: f.length,
      records: f.records,
      maxSeverity: f.maxSeverity,
      message: `frame ${f.frameIndex} at offset ${f.offset}: ${message}`,
    });
  // Not a regular file (a directory, a FIFO, a symlink loop named *.zst): that is the problem.
  if (report.problems.some((p) => p.kind === 'unreadable')) return report;
  const fh = await openRegularFile(path);
  try {
    for (const f of table.frames) {
      const bytes = await readAt(fh, f.offset, f.length);
      options.onProgress?.(f.offset + f.length);
      // The scan found this header valid: it decodes again.
      const parsed = decodeFrameHeader(bytes);
      if (!parsed.ok) throw new Error(`${path}: frame ${f.frameIndex} changed while verifying`);
      const h = parsed.header;
      const broken = await chain?.next(f, bytes, h);
      if (broken !== undefined && !report.problems.some((p) => p.kind === 'chain')) {
        report.problems.push({
          kind: 'chain',
          path,
          offset: f.offset,
          length: 0,
          records: 0,
          message: `frame ${f.frameIndex} at offset ${f.offset}: chain broken: ${broken}`,
        });
      }
      const data = bytes.subarray(h.headerBytes);
      const actual = crc32(data);
      if (actual !== f.checksum) {
        corrupt(f, `data checksum mismatch (stored ${hex(f.checksum)}, computed ${hex(actual)})`);
        continue;
      }
      const plain = await zstdDataOf(bytes, h, cipher);
      if (!plain.ok) {
        corrupt(f, plain.reason);
        continue;
      }
      let raw: Buffer;
      try {
        raw = await zstdDecompress(plain.data);
      } catch (err) {
        corrupt(f, `zstd: ${(err as Error).message}`);
        continue;
      }
      if (raw.length !== f.rawLength) {
        corrupt(f, `decompressed to ${raw.length} bytes, header says ${f.rawLength}`);
        continue;
      }
      checkContent(f, raw, corrupt);
      report.rawBytes += raw.length;
    }
  } finally {
    await fh.close();
  }
  for (const f of table.frames) report.records += f.records;
  if (chain?.firstLink && chain.lastLink) {
    report.chain = {
      firstLink: chain.firstLink.toString('hex'),
      lastLink: chain.lastLink.toString('hex'),
    };
  }
  await checkIndex(path, table.frames, report);
  report.ok = report.problems.length === 0;
  return report;
}

function checkContent(f: FrameInfo, raw: Buffer, corrupt: (f: FrameInfo, m: string) => void): void {
  if (raw.length > 0 && raw[raw.length - 1] !== 0x0a)
    corrupt(f, 'content does not end with a newline');
  const lines = raw.toString('utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length !== f.lines) corrupt(f, `${lines.length} lines, header says ${f.lines}`);
  const sum = { records: 0, min: 0n, max: 0n, sev: 0 };
  for (const [i, line] of lines.entries()) {
    let data: unknown;
    try {
      data = JSON.parse(line);
    } catch (err) {
      corrupt(f, `line ${i}: not JSON (${(err as Error).message})`);
      return;
    }
    const violation = logsDataViolation(data);
    if (violation) {
      corrupt(f, `line ${i}: not OTLP/JSON LogsData: ${violation}`);
      return;
    }
    const m = metadataOfLogsData(data as OtlpJsonLogsData);
    if (m.records > 0) {
      if (sum.records === 0 || m.minTimeUnixNano < sum.min) sum.min = m.minTimeUnixNano;
      if (sum.records === 0 || m.maxTimeUnixNano > sum.max) sum.max = m.maxTimeUnixNano;
      sum.sev = Math.max(sum.sev, m.maxSeverity);
      sum.records += m.records;
    }
  }
  if (sum.records !== f.records) corrupt(f, `${sum.records} records, header says ${f.records}`);
  if (sum.min !== f.minTimeUnixNano || sum.max !== f.maxTimeUnixNano) {
    corrupt(
      f,
      `time range ${sum.min}–${sum.max}, header says ${f.minTimeUnixNano}–${f.maxTimeUnixNano}`,
    );
  }
  if (sum.sev !== f.maxSeverity)
    corrupt(f, `max severity ${sum.sev}, header says ${f.maxSeverity}`);
}

async function checkIndex(path: string, frames: FrameInfo[], report: VerifyReport): Promise<void> {
  const problem = (message: string, offset = 0) =>
    report.problems.push({ kind: 'index', path, offset, length: 0, records: 0, message });
  const bytes = await readRegularFile(`${path}.idx`);
  if (bytes === undefined) {
    problem(`${path}.idx: index missing`);
    return;
  }
  const { entries, problem: parseProblem } = decodeIndex(bytes);
  if (parseProblem) problem(`${path}.idx: ${parseProblem}`);
  if (entries.length !== frames.length) {
    problem(`${path}.idx: ${entries.length} entries for ${frames.length} frames`);
  }
  for (let i = 0; i < Math.min(entries.length, frames.length); i++) {
    const e = entries[i]!;
    const f = frames[i]!;
    const diff = FIELDS.filter((k) => e[k] !== f[k]);
    if (diff.length > 0) {
      const what = diff.map((k) => `${k} ${String(e[k])} vs ${String(f[k])}`).join(', ');
      problem(
        `${path}.idx: entry ${i} disagrees with the frame at offset ${f.offset}: ${what}`,
        f.offset,
      );
    }
  }
}
