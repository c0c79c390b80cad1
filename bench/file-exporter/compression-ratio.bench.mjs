// Bytes on disk of ZstdFileLogRecordExporter vs the raw OTLP/JSON bytes and vs `zstd -3` / `gzip -6`
// of the very same bytes, on the LogHub corpus (else generated records) with random trace ids; plus
// write throughput. Goal (issue 5): ≤ 6% of raw on LogHub, ≤ 1.05× of `zstd -3` on either input.
// Knob: SPILLWAY_BENCH_FRAME_MIB (the exporter's frameBytes in MiB; default its default), to see
// what the frame size costs in ratio.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_FRAME_BYTES,
  ZstdFileLogRecordExporter,
  zstdImplementation,
} from '@spillway/file-exporter';
import { encodeLogsDataLine } from '@spillway/record-format';
import { otlpJsonLines } from '@spillway/testing';
import { exportBatch, knob, machine, median, recordChunks, table } from './_common.mjs';

const RECORDS = knob('RECORDS', 400_000);
const RUNS = knob('RUNS', 3);
const BATCH = 512;
const FRAME_BYTES = knob('FRAME_MIB', DEFAULT_FRAME_BYTES / 1024 ** 2) * 1024 ** 2;

function dirBytes(dir, suffix) {
  return readdirSync(dir)
    .filter((n) => n.endsWith(suffix))
    .reduce((n, f) => n + statSync(join(dir, f)).size, 0);
}

// The raw OTLP/JSON bytes: the same lines the exporter writes (one LogsData per 512-record batch).
const work = mkdtempSync(join(tmpdir(), 'bench-ratio-'));
const rawPath = join(work, 'raw.jsonl');
const { chunks, input } = recordChunks(RECORDS);
const raw = Buffer.concat(chunks.map((c) => otlpJsonLines(c, BATCH)));
writeFileSync(rawPath, raw);

const results = [];
for (let run = 0; run < RUNS; run++) {
  const dir = join(work, `run-${run}`);
  const exporter = new ZstdFileLogRecordExporter({
    directory: dir,
    frameBytes: FRAME_BYTES,
    minFreeBytes: 0,
    rotate: { maxBytes: 1 << 30 },
    retention: { maxTotalBytes: 2 ** 40 },
  });
  const t0 = performance.now();
  for (const c of chunks)
    for (let i = 0; i < c.length; i += BATCH) await exportBatch(exporter, c.slice(i, i + BATCH));
  await exporter.shutdown();
  const ms = performance.now() - t0;
  const stats = exporter.getStats();
  if (stats.bytesRaw !== raw.length)
    throw new Error(`raw bytes differ: ${stats.bytesRaw} vs ${raw.length}`);
  results.push({ zst: dirBytes(dir, '.zst'), idx: dirBytes(dir, '.idx'), ms });
  rmSync(dir, { recursive: true, force: true });
}

// The floor under the exporter's throughput: OTLP/JSON encoding alone (record-format), no output.
const encodeMs = median(
  Array.from({ length: RUNS }, () => {
    const t = performance.now();
    for (const c of chunks)
      for (let i = 0; i < c.length; i += BATCH) encodeLogsDataLine(c.slice(i, i + BATCH));
    return performance.now() - t;
  }),
);

const cli = (cmd, args) => {
  const t0 = performance.now();
  const out = execFileSync(cmd, args, { maxBuffer: 1 << 30 });
  return { bytes: out.length, ms: performance.now() - t0 };
};
const zstd3 = median(
  Array.from({ length: RUNS }, () => cli('zstd', ['-3', '-c', '-T1', rawPath]).bytes),
);
const zstd3t = median(
  Array.from({ length: RUNS }, () => cli('zstd', ['-3', '-c', '-T1', rawPath]).ms),
);
const gzip6 = cli('gzip', ['-6', '-c', rawPath]);
const zst = median(results.map((r) => r.zst));
const idx = median(results.map((r) => r.idx));
const ms = median(results.map((r) => r.ms));
const mib = raw.length / 1048576;
const pct = (n) => `${((n / raw.length) * 100).toFixed(2)}%`;

console.log(`## file-exporter: compression ratio and write throughput\n`);
console.log(
  `${machine()}; codec ${zstdImplementation()}; ${RECORDS} ${input} records with random trace ids, ${mib.toFixed(1)} MiB raw OTLP/JSON, ${FRAME_BYTES / 1024 ** 2} MiB frames; median of ${RUNS} runs.\n`,
);
console.log(
  table(
    ['', 'bytes', '% of raw', 'vs zstd -3', 'MiB/s (raw)'],
    [
      [
        'raw OTLP/JSON (`encodeLogsDataLine` alone)',
        raw.length,
        '100%',
        '',
        (mib / (encodeMs / 1000)).toFixed(0),
      ],
      ['`zstd -3 -T1` (anchor)', zstd3, pct(zstd3), '1.000×', (mib / (zstd3t / 1000)).toFixed(0)],
      [
        'ZstdFileLogRecordExporter .zst',
        zst,
        pct(zst),
        `${(zst / zstd3).toFixed(3)}×`,
        (mib / (ms / 1000)).toFixed(0),
      ],
      [
        '… plus .idx sidecar',
        zst + idx,
        pct(zst + idx),
        `${((zst + idx) / zstd3).toFixed(3)}×`,
        '',
      ],
      [
        '`gzip -6`',
        gzip6.bytes,
        pct(gzip6.bytes),
        `${(gzip6.bytes / zstd3).toFixed(3)}×`,
        (mib / (gzip6.ms / 1000)).toFixed(0),
      ],
    ],
  ),
);
console.log(
  `\nExporter MiB/s is end to end: OTLP/JSON encoding, compression on the threadpool, writes, fsync at shutdown.`,
);
rmSync(work, { recursive: true, force: true });
