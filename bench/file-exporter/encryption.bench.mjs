// What encryption at rest (AES-256-GCM per frame) and the hash chain (SHA-256, or HMAC-SHA-256
// with a chain key) cost a CompressedFileWriter and a reader, against plain frames:
//   plain · encrypted · chained (SHA-256) · encrypted + chained (HMAC-SHA-256)
// Each child writes RECORDS records (the benchmark generator: LogHub when found, else synthetic)
// in batches of 512 to one file with 1 MiB frames, timed from the first append to the last frame
// written (not fsynced: fsync is the same for all), then reads them all back with readLogRecords
// (key given), timed. Wall time and CPU time (process.cpuUsage, all threads: compression and the
// crypto run on the libuv threadpool). Rounds interleave the four scenarios in a shuffled order,
// one child process each; the table gives medians over rounds.
// Run: node bench/file-exporter/encryption.bench.mjs [rounds] (after `npx turbo run build`).
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { knob, machine, median, shuffledRounds, table } from '../_shared.mjs';

const SCENARIOS = [
  'plain (version 1 frames)',
  'encrypted (AES-256-GCM)',
  'chained (SHA-256)',
  'encrypted + chained (HMAC-SHA-256)',
];
const RECORDS = knob('RECORDS', 200_000);
const BATCH = 512;
const KEYS = { keys: [{ id: 1, key: Buffer.alloc(32, 1) }], activeKeyId: 1 };

async function child(index) {
  const { CompressedFileWriter, readLogRecords } = await import('@spillway/file-exporter');
  const { recordChunks } = await import('./_common.mjs');
  const sealing = [
    {},
    { encryption: KEYS },
    { chain: {} },
    { encryption: KEYS, chain: { key: Buffer.alloc(32, 2) } },
  ][index];
  const records = recordChunks(RECORDS).chunks.flat();
  const dir = mkdtempSync(join(tmpdir(), 'spillway-bench-enc-'));
  const path = join(dir, 'bench-20260101-000000.zst');
  try {
    const writer = await CompressedFileWriter.create(path, { frameBytes: 1 << 20, ...sealing });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < records.length; i += BATCH) {
      writer.appendRecords(records.slice(i, i + BATCH));
      // Let frames cut meanwhile compress and write, as an exporter's event loop would.
      if ((i / BATCH) % 16 === 15) await new Promise(setImmediate);
    }
    await writer.cutFrame();
    const writeMs = performance.now() - t0;
    const writeCpu = process.cpuUsage(cpu0);
    const raw = writer.bytesRaw;
    await writer.close();
    const cpu1 = process.cpuUsage();
    const t1 = performance.now();
    let n = 0;
    for await (const _ of readLogRecords(path, { encryption: KEYS })) n++;
    const readMs = performance.now() - t1;
    const readCpu = process.cpuUsage(cpu1);
    if (n !== records.length) throw new Error(`read ${n} of ${records.length} records`);
    const cpuMs = (c) => (c.user + c.system) / 1000;
    const stored = statSync(path).size;
    process.stdout.write(
      JSON.stringify({
        raw,
        stored,
        writeMs,
        readMs,
        writeCpuMs: cpuMs(writeCpu),
        readCpuMs: cpuMs(readCpu),
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') {
  await child(Number(process.argv[3]));
} else {
  const rounds = Number(process.argv[2] ?? 5);
  const { outputs, loads } = shuffledRounds(import.meta.url, SCENARIOS, rounds, {
    echoStderr: true,
  });
  const runs = outputs.map((o) => o.map((s) => JSON.parse(s)));
  const raw = runs[0][0].raw;
  const m = (i, k) => median(runs[i].map((r) => r[k]));
  const mbps = (ms) => (raw / 1024 ** 2 / (ms / 1000)).toFixed(0);
  const ns = (ms) => ((ms * 1e6) / RECORDS).toFixed(0);
  const rows = SCENARIOS.map((name, i) => [
    name,
    mbps(m(i, 'writeMs')),
    ns(m(i, 'writeMs')),
    ns(m(i, 'writeCpuMs')),
    `${(m(i, 'writeMs') / m(0, 'writeMs')).toFixed(2)}×`,
    mbps(m(i, 'readMs')),
    ns(m(i, 'readMs')),
    `${(m(i, 'readMs') / m(0, 'readMs')).toFixed(2)}×`,
    ns(m(i, 'readCpuMs')),
  ]);
  console.log(
    `${machine()}; load average (1 min) ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} during the run; ${RECORDS.toLocaleString('en-US')} records, ${(raw / 1024 ** 2).toFixed(0)} MiB raw OTLP/JSON, 1 MiB frames, median of ${rounds} shuffled rounds (one child process per cell).\n`,
  );
  console.log(
    table(
      [
        'scenario',
        'write MB/s (raw)',
        'write ns/record (wall)',
        'write ns/record (CPU)',
        'write time vs plain',
        'read MB/s (raw)',
        'read ns/record (wall)',
        'read time vs plain',
        'read ns/record (CPU)',
      ],
      rows,
    ),
  );
  // The crypto alone, on the bytes it sees (compressed frames), with no load from the scenarios:
  // what the per-record cost is made of, free of the noise of encoding and compression.
  const { webcrypto } = await import('node:crypto');
  const frame = Buffer.alloc(1 << 20, 7);
  const aes = await webcrypto.subtle.importKey('raw', Buffer.alloc(32, 1), 'AES-GCM', false, [
    'encrypt',
  ]);
  const timeMiB = async (fn) => {
    const t = performance.now();
    for (let k = 0; k < 64; k++) await fn();
    return 64 / ((performance.now() - t) / 1000);
  };
  const gcm = await timeMiB(() =>
    webcrypto.subtle.encrypt({ name: 'AES-GCM', iv: Buffer.alloc(12) }, aes, frame),
  );
  const sha = await timeMiB(() => webcrypto.subtle.digest('SHA-256', frame));
  const stored = runs[0][0].stored;
  const perRecord = stored / RECORDS;
  console.log(
    `\nCrypto alone (WebCrypto, 64 × 1 MiB): AES-256-GCM ${gcm.toFixed(0)} MiB/s, SHA-256 ${sha.toFixed(0)} MiB/s. The file is ${(stored / 1024 ** 2).toFixed(1)} MiB compressed (${perRecord.toFixed(0)} bytes per record), so encryption costs about ${((perRecord / (gcm * 1024 ** 2)) * 1e9).toFixed(0)} ns and the chain about ${((perRecord / (sha * 1024 ** 2)) * 1e9).toFixed(0)} ns of threadpool CPU per record.`,
  );
}
