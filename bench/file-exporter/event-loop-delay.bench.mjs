// Event-loop delay while ZstdFileLogRecordExporter writes 50k records/s (batches of 500 every
// 10 ms, as a BatchLogRecordProcessor would hand them over), measured with
// perf_hooks.monitorEventLoopDelay. Goal (issue 5): p99 ≤ 10 ms.
// Competitors in the same run: OTLP/JSON encoding alone (the floor: no output at all), and a naive
// exporter that compresses each frame on the event loop (zlib gzipSync) and writes it with writeSync.
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import {
  DEFAULT_FRAME_BYTES,
  ZstdFileLogRecordExporter,
  zstdImplementation,
} from '@spillway/file-exporter';
import { encodeLogsDataLine } from '@spillway/record-format';
import { knob, machine, median, recordChunks, table } from './_common.mjs';

const SECONDS = knob('SECONDS', 10);
const RUNS = knob('RUNS', 3);
const PER_TICK = 500;
const TICK_MS = 10;
const FRAME_BYTES = DEFAULT_FRAME_BYTES;
const pool = recordChunks(50_000).chunks.flat();
const work = mkdtempSync(join(tmpdir(), 'bench-eld-'));

const contenders = {
  'encode only (floor)': () => ({
    export(batch, cb) {
      encodeLogsDataLine(batch);
      cb({ code: 0 });
    },
    async shutdown() {},
  }),
  ZstdFileLogRecordExporter: (dir) =>
    new ZstdFileLogRecordExporter({ directory: dir, minFreeBytes: 0, frameBytes: FRAME_BYTES }),
  'naive: gzipSync on the event loop': (dir) => {
    const fd = openSync(join(dir, 'naive.gz'), 'w');
    let parts = [];
    let bytes = 0;
    const cut = () => {
      if (bytes === 0) return;
      writeSync(fd, gzipSync(Buffer.concat(parts), { level: 6 }));
      parts = [];
      bytes = 0;
    };
    return {
      export(batch, cb) {
        const b = Buffer.from(`${encodeLogsDataLine(batch)}\n`);
        parts.push(b);
        bytes += b.length;
        if (bytes >= FRAME_BYTES) cut();
        cb({ code: 0 });
      },
      async shutdown() {
        cut();
        closeSync(fd);
      },
    };
  },
};

async function run(make, dir) {
  const exporter = make(dir);
  const h = monitorEventLoopDelay({ resolution: 1 });
  let sent = 0;
  let cursor = 0;
  h.enable();
  await new Promise((resolve) => {
    const start = performance.now();
    const timer = setInterval(() => {
      // Catch up on missed ticks so the offered load stays 50k records/s.
      const due = Math.floor((performance.now() - start) / TICK_MS) * PER_TICK;
      while (sent < due) {
        if (cursor + PER_TICK > pool.length) cursor = 0;
        exporter.export(pool.slice(cursor, cursor + PER_TICK), () => {});
        cursor += PER_TICK;
        sent += PER_TICK;
      }
      if (performance.now() - start >= SECONDS * 1000) {
        clearInterval(timer);
        resolve();
      }
    }, TICK_MS);
  });
  h.disable();
  await exporter.shutdown();
  return {
    p50: h.percentile(50) / 1e6,
    p99: h.percentile(99) / 1e6,
    max: h.max / 1e6,
    rate: sent / SECONDS,
  };
}

const results = {};
for (let r = 0; r < RUNS; r++) {
  for (const [name, make] of Object.entries(contenders)) {
    const dir = mkdtempSync(join(work, 'run-'));
    results[name] ??= [];
    results[name].push(await run(make, dir));
    rmSync(dir, { recursive: true, force: true });
  }
}
const anchor = median(results['encode only (floor)'].map((x) => x.p99));
console.log(`## file-exporter: event-loop delay at 50k records/s\n`);
console.log(
  `${machine()}; codec ${zstdImplementation()}; ${SECONDS} s per run, batches of ${PER_TICK} every ${TICK_MS} ms, ${FRAME_BYTES / 1024 ** 2} MiB frames (the default); median of ${RUNS} runs.\n`,
);
console.log(
  table(
    ['', 'records/s offered', 'p50 ms', 'p99 ms', 'max ms', 'p99 vs floor'],
    Object.entries(results).map(([name, rs]) => {
      const p99 = median(rs.map((x) => x.p99));
      return [
        name,
        median(rs.map((x) => x.rate)).toFixed(0),
        median(rs.map((x) => x.p50)).toFixed(2),
        p99.toFixed(2),
        median(rs.map((x) => x.max)).toFixed(2),
        `${(p99 / anchor).toFixed(2)}×`,
      ];
    }),
  ),
);
rmSync(work, { recursive: true, force: true });
