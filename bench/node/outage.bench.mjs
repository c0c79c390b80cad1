// Collector outage, end to end: 6 s of LogHub records (else generated ones; with trace contexts) at
// 10,000 records/s through a real LoggerProvider to a real OTLP/gRPC receiver that goes down from
// t = 2 s to t = 4 s. Compares the stock setup (BatchLogRecordProcessor + OTLPLogExporter gRPC) with
// the pipeline `createLogRecordProcessorFromEnv()` builds at its defaults (sampling → WAL → OTLP,
// failing over to local zstd files): what reaches the collector, what is kept locally, what is lost,
// per class and in bytes on the wire, and the app-thread cost of `logger.emit`. Median of several
// runs per setup, alternating. Run: node bench/node/outage.bench.mjs [runs] (after `npx turbo run
// build`).
import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { readLogRecords } from '@spillway/file-exporter';
import { createLogRecordProcessorFromEnv } from '@spillway/node';
import {
  createBenchmarkRecordGenerator,
  OtlpGrpcLogsReceiver,
  toLogRecord,
} from '@spillway/testing';

const RATE = 10_000;
const SECONDS = 6;
const TICK_MS = 50;
const DOWN_AT = 2_000;
const UP_AT = 4_000;
const RUNS = Number(process.argv[2] ?? 3);
const CLASSES = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
const classOf = (n) => (n >= 1 && n <= 24 ? (n - 1) >> 2 : 2);
const total = RATE * SECONDS;

const { generator, input } = createBenchmarkRecordGenerator({
  seed: 5,
  intervalMicros: 1e6 / RATE,
  startTimeMs: Date.now(),
});
const generated = generator.take(total);
const records = generated.map((g) => toLogRecord(g));
const emitted = new Array(6).fill(0);
for (const g of generated) emitted[classOf(g.severityNumber)]++;

async function run(name) {
  const receiver = await new OtlpGrpcLogsReceiver().start();
  const dir = mkdtempSync(join(tmpdir(), 'spillway-outage-'));
  const processor =
    name === 'stock'
      ? new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: receiver.url }) })
      : createLogRecordProcessorFromEnv({
          SPILLWAY_DIR: dir,
          OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: receiver.url,
          OTEL_SERVICE_NAME: 'outage',
        });
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'outage' }),
    processors: [processor],
  });
  const logger = provider.getLogger('outage');
  const start = performance.now();
  let emitMs = 0;
  let fatalMs = 0;
  let next = 0;
  let down = false;
  let up = false;
  for (let t = 1; next < total; t++) {
    const elapsed = performance.now() - start;
    if (!down && elapsed >= DOWN_AT) {
      down = true;
      await receiver.stop();
    }
    if (!up && elapsed >= UP_AT) {
      up = true;
      await receiver.start();
    }
    const due = Math.min(total, Math.floor((elapsed / 1000) * RATE));
    for (; next < due; next++) {
      const t0 = performance.now();
      logger.emit(records[next]);
      const dt = performance.now() - t0;
      if (records[next].severityNumber >= 21) fatalMs += dt;
      else emitMs += dt;
    }
    await sleep(Math.max(0, start + t * TICK_MS - performance.now()));
  }
  await provider.shutdown();
  const atCollector = new Array(6).fill(0);
  const seen = new Set();
  for (const r of receiver.records) {
    if (seen.has(r.attributes['test.id'])) continue;
    seen.add(r.attributes['test.id']);
    atCollector[classOf(r.severityNumber)]++;
  }
  const inFiles = new Array(6).fill(0);
  if (name === 'spillway') {
    for await (const r of readLogRecords(join(dir, 'files'))) {
      if (seen.has(r.attributes['test.id'])) continue;
      seen.add(r.attributes['test.id']);
      inFiles[classOf(r.severityNumber)]++;
    }
  }
  const wireBytes = receiver.bytesReceived;
  await receiver.stop();
  return {
    atCollector,
    inFiles,
    wireBytes,
    emitNs: (emitMs * 1e6) / (total - emitted[5]),
    fatalUs: (fatalMs * 1e3) / emitted[5],
    stats: processor.getStats?.(),
  };
}

const runs = { stock: [], spillway: [] };
for (let r = 0; r < RUNS; r++) {
  for (const name of r % 2 === 0 ? ['stock', 'spillway'] : ['spillway', 'stock']) {
    globalThis.gc?.();
    runs[name].push(await run(name));
  }
}

const sum = (xs) => xs.reduce((a, b) => a + b, 0);
const kept = (x) => sum(x.atCollector) + sum(x.inFiles);
const median = (rs) => [...rs].sort((a, b) => kept(a) - kept(b))[Math.floor(rs.length / 2)];
const medianOf = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (n, d) => (d === 0 ? '–' : `${((100 * n) / d).toFixed(1)}%`);
const mib = (b) => `${(b / 2 ** 20).toFixed(2)} MiB`;
const a = median(runs.stock);
const b = median(runs.spillway);
const s = b.stats.sampling;

console.log(
  `Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, ${new Date().toISOString().slice(0, 10)}; ${total.toLocaleString('en')} ${input} records at ${RATE.toLocaleString('en')}/s for ${SECONDS} s, collector down from ${DOWN_AT / 1000} s to ${UP_AT / 1000} s; median of ${RUNS} runs.\n`,
);
console.log(
  '| class | emitted | stock: at collector | stock: lost | spillway: at collector | spillway: local files | spillway: dropped by policy | spillway: lost unaccounted |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
for (let c = 5; c >= 0; c--) {
  const n = CLASSES[c];
  const e = emitted[c];
  const policy = s.dropped.sampled[n] + s.dropped.rate_limited[n] + s.dropped.silenced[n];
  const other = s.dropped.queue_full[n] + s.dropped.export_failed[n];
  const unaccounted = e - b.atCollector[c] - b.inFiles[c] - policy - other;
  console.log(
    `| ${n} | ${e} | ${a.atCollector[c]} | ${e - a.atCollector[c]} (${pct(e - a.atCollector[c], e)}) | ${b.atCollector[c]} | ${b.inFiles[c]} | ${policy}${other ? ` (+${other} queue_full/export_failed)` : ''} | ${unaccounted} |`,
  );
}
const aLost = total - sum(a.atCollector);
console.log(
  `| **all** | ${total} | ${sum(a.atCollector)} | ${aLost} (${pct(aLost, total)}) | ${sum(b.atCollector)} | ${sum(b.inFiles)} | ${s.dropped.sampled.total + s.dropped.rate_limited.total + s.dropped.silenced.total} | ${total - kept(b) - s.dropped.sampled.total - s.dropped.rate_limited.total - s.dropped.silenced.total - s.dropped.queue_full.total - s.dropped.export_failed.total + s.summaries} |`,
);
console.log(
  `\nBytes on the wire to the collector: stock ${mib(a.wireBytes)}, spillway ${mib(b.wireBytes)} (${(b.wireBytes / a.wireBytes).toFixed(3)}×). ` +
    `App-thread cost of logger.emit (median, timed per call): below FATAL stock ${medianOf(runs.stock.map((x) => x.emitNs)).toFixed(0)} ns, spillway ${medianOf(runs.spillway.map((x) => x.emitNs)).toFixed(0)} ns per record; FATAL stock ${medianOf(runs.stock.map((x) => x.fatalUs)).toFixed(1)} µs, spillway ${medianOf(runs.spillway.map((x) => x.fatalUs)).toFixed(1)} µs (written through to the WAL with its queue and fsynced before emit returns). ` +
    `spillway drops by reason: sampled ${s.dropped.sampled.total}, rate_limited ${s.dropped.rate_limited.total} (error ${s.dropped.rate_limited.error}), silenced ${s.dropped.silenced.total} (+${s.summaries} summary records kept), queue_full ${s.dropped.queue_full.total}. ` +
    `Local files: ${b.stats.files ? `${b.stats.files.recordsWritten} records, ${mib(b.stats.files.bytesOnDisk)} on disk for ${mib(b.stats.files.bytesRaw)} of OTLP/JSON` : 'none'}; the failover replays them to the collector once it has been healthy for 30 s.`,
);
