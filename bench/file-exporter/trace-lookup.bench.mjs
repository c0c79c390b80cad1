// One trace id in a 24-hour directory of ≥ 1 GiB raw OTLP/JSON: the trace filters of the frame
// index (index version 2) let readLogRecords({ traceId }) decode only the frames that may hold the
// trace. Goal (issue 17): at most 3 frames decoded, at most 2% of the .zst bytes spent on filters.
// Competitor in the same run: decoding every frame and filtering (what a version 1 index allows).
// Records: SyntheticRecordGenerator (trace trees of ~20 records, 8 traces in flight, 10% without
// trace context), every trace id fresh, timestamps spread evenly over the day.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createReadStats,
  listCompressedFiles,
  readLogRecords,
  ZstdFileLogRecordExporter,
} from '@spillway/file-exporter';
import { otlpJsonLines, SyntheticRecordGenerator, toReadableLogRecords } from '@spillway/testing';
import { exportBatch, knob, machine, median, table } from './_common.mjs';

const RAW_BYTES = knob('RAW_BYTES', 1.05 * 1024 ** 3);
const LOOKUPS = knob('LOOKUPS', 20);
const DAY_MS = 86_400_000;
const START = Date.UTC(2026, 0, 1);
const BATCH = 512;

// Raw bytes per record: measured on a sample, then enough records for RAW_BYTES over 24 hours.
const sample = toReadableLogRecords(
  new SyntheticRecordGenerator({ seed: 42 }).take(10_000),
  'bench-service',
);
const rawPerRecord = otlpJsonLines(sample).length / sample.length;
const TOTAL = Math.ceil(RAW_BYTES / rawPerRecord);
const generator = new SyntheticRecordGenerator({
  seed: 42,
  startTimeMs: START,
  intervalMicros: (DAY_MS * 1000) / TOTAL,
});

// The traces looked up: the first trace to start after each of LOOKUPS evenly spaced points.
const picks = Array.from({ length: LOOKUPS }, (_, i) => Math.floor(((i + 0.5) * TOTAL) / LOOKUPS));
const wanted = new Map(); // trace id → records written
const seen = new Set();
const dir = mkdtempSync(join(tmpdir(), 'bench-trace-'));
let now = START;
const exporter = new ZstdFileLogRecordExporter({
  directory: dir,
  minFreeBytes: 0,
  flushIntervalMillis: 3_600_000,
  retention: { maxTotalBytes: 2 ** 40 },
  now: () => now,
});
const t0 = performance.now();
let next = 0;
for (let k = 0; k < TOTAL; k += BATCH) {
  const batch = toReadableLogRecords(generator.take(Math.min(BATCH, TOTAL - k)), 'bench-service');
  for (let j = 0; j < batch.length; j++) {
    const id = batch[j].spanContext?.traceId;
    if (id === undefined) continue;
    // A trace is picked at its first record, so that every one of its records is counted.
    if (next < picks.length && k + j >= picks[next] && !seen.has(id)) {
      wanted.set(id, 0);
      next++;
    }
    seen.add(id);
    if (wanted.has(id)) wanted.set(id, wanted.get(id) + 1);
  }
  now = START + (k * DAY_MS) / TOTAL;
  await exportBatch(exporter, batch);
}
await exporter.shutdown();
const writeSec = (performance.now() - t0) / 1000;
const stats = exporter.getStats();
const deleted = Object.values(stats.deleted).reduce((n, d) => n + d.records, 0);
if (deleted > 0) throw new Error(`retention deleted ${deleted} records`);
if (stats.bytesRaw < 1024 ** 3 && knob('RAW_BYTES', undefined) === undefined)
  throw new Error(`only ${stats.bytesRaw} raw bytes`);

// Index overhead: the filter bytes of every version 2 entry (FORMAT.md: F at entry offset 48).
const files = await listCompressedFiles(dir);
let zstBytes = 0;
let idxBytes = 0;
let filterBytes = 0;
for (const f of files) {
  const idx = readFileSync(`${f.path}.idx`);
  if (idx.readUInt8(4) !== 2) throw new Error(`${f.path}.idx: index version ${idx.readUInt8(4)}`);
  zstBytes += f.size;
  idxBytes += idx.length;
  for (let p = 16; p + 56 <= idx.length; p += 60 + idx.readUInt32LE(p + 48)) {
    filterBytes += idx.readUInt32LE(p + 48);
  }
}

async function lookup(traceId) {
  const s = createReadStats();
  const t = performance.now();
  let n = 0;
  for await (const _ of readLogRecords(dir, { traceId, stats: s })) n++;
  return { n, ms: performance.now() - t, decoded: s.framesDecoded, total: s.framesTotal };
}
async function everyFrame(traceId) {
  const s = createReadStats();
  const t = performance.now();
  let n = 0;
  for await (const r of readLogRecords(dir, { stats: s }))
    if (r.spanContext?.traceId === traceId) n++;
  return { n, ms: performance.now() - t, decoded: s.framesDecoded, total: s.framesTotal };
}

const results = [];
for (const [id, written] of wanted) {
  const r = await lookup(id);
  if (r.n !== written) throw new Error(`trace ${id}: found ${r.n} records, ${written} written`);
  results.push(r);
}
const [firstId, firstCount] = wanted.entries().next().value;
const full = await everyFrame(firstId);
if (full.n !== firstCount) throw new Error(`full scan found ${full.n} of ${firstCount} records`);

const decoded = results.map((r) => r.decoded);
const maxDecoded = Math.max(...decoded);
const lookupMs = median(results.map((r) => r.ms));
const overhead = filterBytes / zstBytes;
const gib = (n) => (n / 1024 ** 3).toFixed(2);
const mib = (n) => (n / 1024 ** 2).toFixed(1);

console.log(`## file-exporter: one trace id in a 24-hour directory\n`);
console.log(
  `${machine()}; ${TOTAL} records over 24 h (SyntheticRecordGenerator, ~20 records per trace), ${gib(stats.bytesRaw)} GiB raw OTLP/JSON in ${stats.framesWritten} frames (${(stats.bytesRaw / stats.framesWritten / 1024 ** 2).toFixed(1)} MiB raw each on average), ${files.length} files, ${mib(zstBytes)} MiB .zst + ${(idxBytes / 1024).toFixed(1)} KiB .idx on disk (written at ${(stats.bytesRaw / 1024 ** 2 / writeSec).toFixed(0)} MiB/s raw); ${wanted.size} trace ids looked up, one at a time, spread over the day (${Math.min(...wanted.values())}–${Math.max(...wanted.values())} records each).\n`,
);
console.log(
  table(
    ['', 'frames decoded (median / max)', 'of frames', 'ms (median)', 'vs lookup'],
    [
      [
        'readLogRecords({ traceId }) (trace filters)',
        `${median(decoded)} / ${maxDecoded}`,
        full.total,
        lookupMs.toFixed(0),
        '1.00×',
      ],
      [
        'decode every frame, filter (index version 1)',
        `${full.decoded} / ${full.decoded}`,
        full.total,
        full.ms.toFixed(0),
        `${(full.ms / lookupMs).toFixed(1)}×`,
      ],
    ],
  ),
);
console.log(
  `\nTrace filter bytes: ${filterBytes} = ${(overhead * 100).toFixed(3)}% of the .zst bytes (whole .idx: ${((idxBytes / zstBytes) * 100).toFixed(3)}%).`,
);
const pass = maxDecoded <= 3 && overhead <= 0.02;
console.log(
  `\n${pass ? 'PASS' : 'FAIL'}: at most ${maxDecoded} frames decoded (goal ≤ 3), filter overhead ${(overhead * 100).toFixed(3)}% (goal ≤ 2%)`,
);
rmSync(dir, { recursive: true, force: true });
