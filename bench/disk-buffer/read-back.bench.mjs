// The sender's cost for frames it reads back from the WAL (a previous run's backlog, an outage, a
// burst that left it more than 8 MiB behind the writer): CPU µs per record from the start of a
// DiskBufferedLogRecordExporter over a written backlog until every record is delivered, to a
// downstream that does nothing with what it gets, either
//   plain export (anchor)  — `export(records)`: the sender decodes every frame (what any
//                            LogRecordExporter gets, and what every downstream got before stored
//                            batches)
//   exportStored           — a downstream that takes stored batches (as the router, the OTLP
//                            exporter of @spillway/node and the worker exporter do): the sender
//                            scans each frame and hands its bytes on, decoding nothing
// The backlog (LogHub records when the corpus is found, else generated ones) is written once per
// child, then delivered from a fresh start without a checkpoint, so every frame is read back.
// One child process per scenario and round, rounds in a shuffled order, medians.
// Run: node bench/disk-buffer/read-back.bench.mjs [rounds] (after `npx turbo run build`).
// Knobs: SPILLWAY_BENCH_RECORDS (100000).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskBufferedLogRecordExporter } from '@spillway/disk-buffer';
import { shuffledRounds } from '../_shared.mjs';
import { knob, machine, median, recordBatches, table } from './_common.mjs';

const SCENARIOS = ['plain export (anchor: every frame decoded)', 'exportStored (frames scanned)'];
const RECORDS = knob('RECORDS', 100_000);

/** A downstream that acknowledges at once; `stored`: it also takes stored batches. */
function downstream(stored, onRecords) {
  const ok = { code: 0 };
  const d = {
    export(records, cb) {
      onRecords(records.length);
      cb(ok);
    },
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  if (stored) {
    d.exportStored = (batch, cb) => {
      onRecords(batch.recordCount);
      cb(ok);
    };
  }
  return d;
}

function deliverAll(exporter, batches) {
  let left = batches.length;
  return new Promise((resolve, reject) => {
    for (const b of batches) {
      exporter.export(b, (r) => {
        if (r.code !== 0) reject(r.error);
        else if (--left === 0) resolve();
      });
    }
  });
}

async function child(index) {
  const { batches, input } = recordBatches(RECORDS, 500);
  const dir = mkdtempSync(join(tmpdir(), 'bench-read-back-'));
  const options = { directory: dir, fsync: 'never', minFreeBytes: 0, shutdownTimeoutMillis: 1 };
  // Written with a downstream that is down: every frame stays on disk, none delivered.
  const writer = new DiskBufferedLogRecordExporter({
    ...options,
    exporter: {
      export: (_r, cb) => cb({ code: 1, error: new Error('down (benchmark)') }),
      forceFlush: async () => {},
      shutdown: async () => {},
    },
    retry: { initialMillis: 600_000, maxMillis: 600_000 },
  });
  await deliverAll(writer, batches);
  await writer.shutdown();
  let delivered = 0;
  let done;
  const all = new Promise((r) => {
    done = r;
  });
  const t0 = process.cpuUsage();
  const reader = new DiskBufferedLogRecordExporter({
    ...options,
    exporter: downstream(index === 1, (n) => {
      delivered += n;
      if (delivered >= RECORDS) done();
    }),
  });
  await all;
  const t = process.cpuUsage(t0);
  await reader.shutdown();
  rmSync(dir, { recursive: true, force: true });
  const fromMemory = reader.getStats().recordsFromMemory;
  process.stdout.write(
    JSON.stringify({ us: (t.user + t.system) / delivered, delivered, fromMemory, input }),
  );
}

function parent(rounds) {
  const run = shuffledRounds(import.meta.url, SCENARIOS, rounds);
  const results = run.outputs.map((xs) => xs.map((x) => JSON.parse(x)));
  const m = results.map((rs) => median(rs.map((r) => r.us)));
  console.log(
    `${machine()}; load average (1 min) ${Math.min(...run.loads).toFixed(1)}–${Math.max(...run.loads).toFixed(1)}; ${RECORDS.toLocaleString('en')} ${results[0][0].input} records written, then delivered from a fresh start (every frame read back), median of ${rounds} shuffled rounds (one child process each).\n`,
  );
  console.log(
    table(
      [
        'downstream',
        'CPU µs per record delivered',
        'ratio to plain export',
        'min – max',
        'delivered',
        'from memory',
      ],
      SCENARIOS.map((name, i) => [
        name,
        m[i].toFixed(2),
        `${(m[i] / m[0]).toFixed(2)}×`,
        `${Math.min(...results[i].map((r) => r.us)).toFixed(2)} – ${Math.max(...results[i].map((r) => r.us)).toFixed(2)}`,
        results[i][0].delivered.toLocaleString('en'),
        results[i][0].fromMemory.toLocaleString('en'),
      ]),
    ),
  );
}

if (process.argv[2] === '--child') await child(Number(process.argv[3]));
else parent(Number(process.argv[2] ?? 7));
