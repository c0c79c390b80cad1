// WAL append throughput at each fsync policy (many exports in flight, as a BatchLogRecordProcessor
// under load or several of them produce) vs a raw sequential write of the same bytes in the same
// run: fdatasync after every write (the anchor for 'always') and once at the end (for interval).
// Goals (issue 4): ≥ 50% of raw MB/s at interval, ≥ 100k records/s at 'always' (group commit).
// The raw rows write pre-encoded bytes; 'encode + raw write' adds the codec, which the WAL must
// also pay, so the last column against it is the cost of the WAL machinery itself (above 1: the
// WAL overlaps encoding with the write of the round before). The floor row is the least any JS
// encoder of these records must do (see stringsOnlyRun): a goal above its share of raw MB/s cannot
// be met by encoding in JS on this machine. The 'encrypted' rows run the same WAL with the
// `encryption` option (AES-256-GCM per frame, node:crypto); every case runs once per round, in
// turn, so on and off are interleaved; the second table is what encryption adds per record.
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskBufferedLogRecordExporter, encodeLogRecordBatch } from '@spillway/disk-buffer';
import { knob, machine, median, recordBatches, table, unreachable } from './_common.mjs';

const RECORDS = knob('RECORDS', 200_000);
const RUNS = knob('RUNS', 3);
const BATCH = knob('BATCH', 100);
const IN_FLIGHT = knob('IN_FLIGHT', 64);
const { batches, input } = recordBatches(RECORDS, BATCH);
const frameBytes = batches.reduce((n, b) => n + encodeLogRecordBatch(b).length + 24, 0);
const work = mkdtempSync(join(tmpdir(), 'bench-wal-'));

const KEY = { keys: [{ id: 1, key: Buffer.alloc(32, 7) }], activeKeyId: 1 };

async function walRun(fsync, run, encrypted = false) {
  const dir = join(work, `wal-${JSON.stringify(fsync).replace(/\W/g, '')}-${encrypted}-${run}`);
  const exporter = new DiskBufferedLogRecordExporter({
    exporter: unreachable,
    directory: dir,
    fsync,
    ...(encrypted ? { encryption: KEY } : {}),
    minFreeBytes: 0,
    retry: { initialMillis: 60_000 },
    shutdownTimeoutMillis: 1,
  });
  const t0 = performance.now();
  let next = 0;
  await new Promise((resolve, reject) => {
    let done = 0;
    const pump = () => {
      if (next >= batches.length) return;
      exporter.export(batches[next++], (r) => {
        if (r.code !== 0) return reject(r.error);
        if (++done === batches.length) resolve();
        else pump();
      });
    };
    for (let i = 0; i < IN_FLIGHT; i++) pump();
  });
  await exporter.forceFlush();
  const ms = performance.now() - t0;
  await exporter.shutdown();
  rmSync(dir, { recursive: true, force: true });
  return ms;
}

function rawRun(syncEach, run, encodeToo = false) {
  const frames = encodeToo ? [] : batches.map(encodeLogRecordBatch);
  const path = join(work, `raw-${syncEach}-${run}`);
  const fd = openSync(path, 'w');
  const t0 = performance.now();
  let pos = 0;
  for (let i = 0; i < batches.length; i++) {
    const f = encodeToo ? encodeLogRecordBatch(batches[i]) : frames[i];
    pos += writeSync(fd, f, 0, f.length, pos);
    if (syncEach) fdatasyncSync(fd);
  }
  fdatasyncSync(fd);
  const ms = performance.now() - t0;
  closeSync(fd);
  rmSync(path);
  return ms;
}

// The least work any JS encoder of these records does: read each record's strings, join them and
// write them as UTF-8 with one native call per batch (the fastest way measured; one call per
// string costs ~5x more), then write those bytes. No other field, no framing: a floor, not a codec.
const scratch = Buffer.allocUnsafe(8 * 1024 * 1024);
function stringsOnlyRun(run) {
  const path = join(work, `floor-${run}`);
  const fd = openSync(path, 'w');
  const t0 = performance.now();
  let pos = 0;
  const parts = [];
  for (const batch of batches) {
    parts.length = 0;
    for (const r of batch) {
      parts.push(r.severityText, r.body);
      for (const k in r.attributes) {
        parts.push(k);
        const v = r.attributes[k];
        if (typeof v === 'string') parts.push(v);
      }
    }
    const n = scratch.utf8Write(parts.join(''), 0);
    pos += writeSync(fd, scratch, 0, n, pos);
  }
  fdatasyncSync(fd);
  const ms = performance.now() - t0;
  closeSync(fd);
  rmSync(path);
  return ms;
}

const cases = [
  ['raw write + fdatasync per batch', (r) => rawRun(true, r)],
  ['raw write, one fdatasync', (r) => rawRun(false, r)],
  ['encode + raw write, one fdatasync', (r) => rawRun(false, r, true)],
  ['floor: strings only (join + UTF-8 + raw write)', (r) => stringsOnlyRun(r)],
  ["WAL fsync 'always'", (r) => walRun('always', r)],
  ['WAL fsync interval 200 ms', (r) => walRun({ intervalMillis: 200 }, r)],
  ["WAL fsync 'never'", (r) => walRun('never', r)],
  ["WAL fsync 'always', encrypted", (r) => walRun('always', r, true)],
  ['WAL fsync interval 200 ms, encrypted', (r) => walRun({ intervalMillis: 200 }, r, true)],
  ["WAL fsync 'never', encrypted", (r) => walRun('never', r, true)],
];
const results = new Map(cases.map(([name]) => [name, []]));
// CPU of the whole process (every thread: getrusage), less disturbed than wall time by other jobs.
const cpu = new Map(cases.map(([name]) => [name, []]));
for (let r = 0; r < RUNS; r++) {
  for (const [name, fn] of cases) {
    const c0 = process.cpuUsage();
    results.get(name).push(await fn(r));
    const c = process.cpuUsage(c0);
    cpu.get(name).push((c.user + c.system) / 1000);
  }
}
rmSync(work, { recursive: true, force: true });

const rawMs = median(results.get('raw write, one fdatasync'));
const encRawMs = median(results.get('encode + raw write, one fdatasync'));
const rows = cases.map(([name]) => {
  const ms = median(results.get(name));
  return [
    name,
    Math.round(RECORDS / (ms / 1000)).toLocaleString('en-US'),
    (frameBytes / 1e6 / (ms / 1000)).toFixed(1),
    (rawMs / ms).toFixed(2),
    (encRawMs / ms).toFixed(2),
  ];
});
console.log(
  `${RECORDS} ${input} records in batches of ${BATCH}, ${IN_FLIGHT} exports in flight, ${(frameBytes / RECORDS).toFixed(0)} B/record framed, median of ${RUNS} runs. ${machine()}\n`,
);
console.log(
  table(['case', 'records/s', 'MB/s', 'share of raw MB/s', 'share of encode + raw MB/s'], rows),
);

const encryptionRows = [
  ["fsync 'always'", "WAL fsync 'always'"],
  ['fsync interval 200 ms', 'WAL fsync interval 200 ms'],
  ["fsync 'never'", "WAL fsync 'never'"],
].map(([label, off]) => {
  const offMs = median(results.get(off));
  const onMs = median(results.get(`${off}, encrypted`));
  const offCpu = median(cpu.get(off));
  const onCpu = median(cpu.get(`${off}, encrypted`));
  const ns = (ms) => Math.round((ms * 1e6) / RECORDS).toLocaleString('en-US');
  return [
    label,
    (frameBytes / 1e6 / (offMs / 1000)).toFixed(1),
    (frameBytes / 1e6 / (onMs / 1000)).toFixed(1),
    ns(offMs),
    ns(onMs),
    ns(offCpu),
    ns(onCpu),
    ns(onCpu - offCpu),
  ];
});
console.log('\nEncryption at rest (AES-256-GCM per frame), same runs:\n');
console.log(
  table(
    [
      'WAL',
      'MB/s off',
      'MB/s on',
      'wall ns/record off',
      'wall ns/record on',
      'CPU ns/record off',
      'CPU ns/record on',
      'CPU ns/record added',
    ],
    encryptionRows,
  ),
);
