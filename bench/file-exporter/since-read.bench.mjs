// A one-hour --since/--until read over a 24-hour directory of ≥ 1 GiB raw OTLP/JSON: the frame
// index lets readLogRecords decode only the frames overlapping the hour. Goal (issue 5): at most
// 1/24 of the frames plus two. Competitors in the same run: decoding every frame and filtering
// (what a reader without an index does), and `zstd -dc` of everything (decompression alone).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createReadStats,
  listCompressedFiles,
  readLogRecords,
  ZstdFileLogRecordExporter,
} from '@spillway/file-exporter';
import { otlpJsonLines } from '@spillway/testing';
import { exportBatch, knob, machine, median, recordChunks, table } from './_common.mjs';

const RAW_BYTES = knob('RAW_BYTES', 1.05 * 1024 ** 3);
const RUNS = knob('RUNS', 3);
const DAY_MS = 86_400_000;
const START = Date.UTC(2026, 0, 1);
const BATCH = 512;

const pool = recordChunks(100_000).chunks.flat();
// Raw bytes per record differ by input (~490 on LogHub, ~710 generated): measure, then write
// enough records for RAW_BYTES over 24 hours.
const rawPerRecord = otlpJsonLines(pool.slice(0, 10_000)).length / 10_000;
const TOTAL = Math.ceil(RAW_BYTES / rawPerRecord);
const dir = mkdtempSync(join(tmpdir(), 'bench-since-'));
let now = START;
const exporter = new ZstdFileLogRecordExporter({
  directory: dir,
  minFreeBytes: 0,
  flushIntervalMillis: 3_600_000,
  rotate: { maxBytes: 1 << 30 },
  retention: { maxTotalBytes: 2 ** 40 },
  now: () => now,
});
const t0 = performance.now();
for (let k = 0; k < TOTAL; k += BATCH) {
  const batch = [];
  for (let j = k; j < Math.min(k + BATCH, TOTAL); j++) {
    const ms = START + (j * DAY_MS) / TOTAL;
    const hr = [Math.floor(ms / 1000), Math.round((ms % 1000) * 1e6)];
    batch.push({ ...pool[j % pool.length], hrTime: hr, hrTimeObserved: hr });
  }
  now = START + (k * DAY_MS) / TOTAL;
  await exportBatch(exporter, batch);
}
await exporter.shutdown();
const writeSec = (performance.now() - t0) / 1000;
const stats = exporter.getStats();
if (stats.bytesRaw < 1024 ** 3 && knob('RAW_BYTES', undefined) === undefined)
  throw new Error(`only ${stats.bytesRaw} raw bytes`);

const since = new Date(START + 10 * 3_600_000);
const until = new Date(START + 11 * 3_600_000 - 1);
const inWindow = (r) => {
  const ms = r.hrTime[0] * 1000 + r.hrTime[1] / 1e6;
  return ms >= since.getTime() && ms <= until.getTime();
};

async function indexed() {
  const s = createReadStats();
  let n = 0;
  for await (const _ of readLogRecords(dir, { since, until, stats: s })) n++;
  return { n, decoded: s.framesDecoded, total: s.framesTotal };
}
async function everyFrame() {
  const s = createReadStats();
  let n = 0;
  for await (const r of readLogRecords(dir, { stats: s })) if (inWindow(r)) n++;
  return { n, decoded: s.framesDecoded, total: s.framesTotal };
}
const files = (await listCompressedFiles(dir)).map((f) => f.path);
async function zstdAll() {
  execFileSync('bash', ['-c', `zstd -dc ${files.join(' ')} > /dev/null`]);
  return { n: NaN, decoded: NaN, total: NaN };
}

const timed = async (fn) => {
  const t = performance.now();
  const r = await fn();
  return { ...r, ms: performance.now() - t };
};
const res = { indexed: [], every: [], zstd: [] };
for (let r = 0; r < RUNS; r++) {
  res.indexed.push(await timed(indexed));
  res.every.push(await timed(everyFrame));
  res.zstd.push(await timed(zstdAll));
}
const a = res.indexed[0];
const b = res.every[0];
if (a.n !== b.n) throw new Error(`indexed read found ${a.n} records, full read ${b.n}`);
const bound = a.total / 24 + 2;
const anchor = median(res.indexed.map((x) => x.ms));
const gib = (n) => (n / 1024 ** 3).toFixed(2);

console.log(`## file-exporter: one-hour read over a 24-hour directory\n`);
console.log(
  `${machine()}; ${TOTAL} records over 24 h, ${gib(stats.bytesRaw)} GiB raw OTLP/JSON in ${stats.framesWritten} frames (${(stats.bytesRaw / stats.framesWritten / 1024 ** 2).toFixed(1)} MiB raw each on average), ${(stats.bytesOnDisk / 1024 ** 2).toFixed(1)} MiB on disk (written at ${(stats.bytesRaw / 1024 ** 2 / writeSec).toFixed(0)} MiB/s raw); window 10:00–11:00 UTC, ${a.n} records; median of ${RUNS} runs.\n`,
);
console.log(
  table(
    ['', 'frames decoded', 'of frames', 'bound (1/24 + 2)', 'ms', 'vs indexed'],
    [
      [
        'readLogRecords({ since, until }) (index)',
        a.decoded,
        a.total,
        bound.toFixed(1),
        anchor.toFixed(0),
        '1.00×',
      ],
      [
        'decode every frame, filter',
        b.decoded,
        b.total,
        '',
        median(res.every.map((x) => x.ms)).toFixed(0),
        `${(median(res.every.map((x) => x.ms)) / anchor).toFixed(2)}×`,
      ],
      [
        '`zstd -dc` everything (no parsing)',
        'all',
        b.total,
        '',
        median(res.zstd.map((x) => x.ms)).toFixed(0),
        `${(median(res.zstd.map((x) => x.ms)) / anchor).toFixed(2)}×`,
      ],
    ],
  ),
);
console.log(
  `\n${a.decoded <= bound ? 'PASS' : 'FAIL'}: ${a.decoded} frames decoded ≤ ${bound.toFixed(1)}`,
);
rmSync(dir, { recursive: true, force: true });
