// The spillway quickstart: a few seconds of a realistic mixed workload (generated records of six
// simulated services, with trace contexts and stack traces; or the LogHub corpus when
// SPILLWAY_CORPUS_DIR names it) through the pipeline `createLogRecordProcessorFromEnv()` builds, then a report of what
// happened to every record. With no collector it fails over to local zstd files; with
// OTEL_EXPORTER_OTLP_LOGS_ENDPOINT pointing at one, it ships there.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { createLogRecordProcessorFromEnv } from '@spillway/node';
import {
  CorpusRecordGenerator,
  loadCorpus,
  SyntheticRecordGenerator,
  toLogRecord,
} from '@spillway/testing';

const here = fileURLToPath(new URL('.', import.meta.url));
const seconds = Number(process.env.QUICKSTART_SECONDS || 4);
const rate = Number(process.env.QUICKSTART_RATE || 5000);
// Where the user typed `npm start` (npm runs the script in this folder), for the printed paths.
const userCwd = process.env.INIT_CWD || process.cwd();
const show = (p) => {
  const r = relative(userCwd, p);
  return r.startsWith('..') ? p : r || '.';
};

const env = {
  OTEL_SERVICE_NAME: 'quickstart',
  SPILLWAY_DIR: join(here, '.spillway'),
  ...process.env,
};
const processor = createLogRecordProcessorFromEnv(env);
const { config } = processor;
const provider = new LoggerProvider({
  resource: resourceFromAttributes({ 'service.name': config.serviceName }),
  processors: [processor],
});
const logger = provider.getLogger('quickstart', '0.1.0');

// Generated records unless the user names a LogHub folder: the demo needs nothing beside the
// repository, and a folder that is not there is said, not fatal (as for the benchmarks).
const wanted = process.env.SPILLWAY_CORPUS_DIR;
const corpus = wanted && existsSync(wanted) ? wanted : undefined;
if (wanted && !corpus) {
  console.error(`SPILLWAY_CORPUS_DIR=${wanted}: no such folder, using generated records`);
}
const options = {
  seed: Date.now() % 100_000,
  idAttribute: false,
  startTimeMs: Date.now(),
  intervalMicros: 1e6 / rate,
};
const generator = corpus
  ? new CorpusRecordGenerator({ ...options, lines: loadCorpus(corpus) })
  : new SyntheticRecordGenerator(options);
const endpoint =
  process.env.OTEL_EXPORTER_OTLP_LOGS_ENDPOINT ||
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT ||
  'http://localhost:4317 (default)';

console.log(
  `spillway quickstart: ${seconds} s of ${corpus ? 'LogHub corpus' : 'generated'} records at ${rate.toLocaleString('en')}/s`,
);
console.log(
  corpus
    ? `  records    LogHub sample from ${show(corpus)}`
    : '  records    6 simulated services (HTTP API, checkout, DB pool, queue consumer, auth, cache);\n' +
        '             SPILLWAY_CORPUS_DIR=<LogHub sample folder> replays real logs instead',
);
console.log(`  collector  ${endpoint}`);
console.log(`  directory  ${show(config.directory)}`);
console.log(
  `  sampling   ${Object.entries(config.ratios)
    .map(([k, v]) => `${k}=${v}`)
    .join(',')}`,
);
console.log('');

// Emit in 50 ms ticks, as a busy service would: the app never waits for the pipeline.
const startedAt = Date.now();
const emitted = { trace: 0, debug: 0, info: 0, warn: 0, error: 0, fatal: 0 };
const CLASSES = Object.keys(emitted);
await new Promise((resolve) => {
  const tick = setInterval(() => {
    const last = Date.now() - startedAt >= seconds * 1000;
    const due = last ? seconds * rate : Math.floor(((Date.now() - startedAt) / 1000) * rate);
    const total = Object.values(emitted).reduce((a, b) => a + b, 0);
    for (let i = total; i < due; i++) {
      const r = generator.next();
      emitted[CLASSES[(r.severityNumber - 1) >> 2]]++;
      logger.emit(toLogRecord(r));
    }
    if (last) {
      clearInterval(tick);
      resolve();
    }
  }, 50);
});
await provider.shutdown();

const stats = processor.getStats();
const s = stats.sampling;
const n = (v) => (v ?? 0).toLocaleString('en');
const cols = ['emitted', 'kept', 'sampled', 'rate_limited', 'silenced', 'queue_full'];
console.log(`Records by severity (after ${((Date.now() - startedAt) / 1000).toFixed(1)} s)`);
console.log(`  ${'class'.padEnd(6)}${cols.map((c) => c.padStart(13)).join('')}`);
for (const c of [...CLASSES, 'total']) {
  const e = c === 'total' ? Object.values(emitted).reduce((a, b) => a + b, 0) : emitted[c];
  const row = [
    e,
    s.kept[c],
    s.dropped.sampled[c],
    s.dropped.rate_limited[c],
    s.dropped.silenced[c],
    s.dropped.queue_full[c],
  ];
  console.log(`  ${c.padEnd(6)}${row.map((v) => n(v).padStart(13)).join('')}`);
}
if (s.summaries > 0)
  console.log(
    `  (kept includes ${n(s.summaries)} "silenced N records" summaries of chatty traces)`,
  );
console.log('');

const targets = stats.failover?.targets ?? [];
const toCollector = targets[0]?.recordsSent ?? stats.diskBuffer?.recordsDelivered ?? 0;
const toFiles = targets[1]?.recordsSent ?? 0;
const wal = stats.diskBuffer;
console.log('Delivery');
console.log(`  to the collector       ${n(toCollector).padStart(9)}`);
// The failover's first target is the collector: say why records went to files, in plain words.
const otlp = targets[0];
const why =
  toFiles === 0 || !otlp || otlp.batchesFailed + otlp.timeouts === 0
    ? ''
    : toCollector === 0
      ? '   (collector unreachable)'
      : `   (the collector failed ${n(otlp.batchesFailed + otlp.timeouts)} batches)`;
console.log(`  to local files         ${n(toFiles).padStart(9)}${why}`);
if (wal) {
  if (wal.recordsPending > 0)
    console.log(
      `  left in the WAL        ${n(wal.recordsPending).padStart(9)}   (delivered on the next start)`,
    );
  const lost = Object.values(wal.dropped).reduce((sum, c) => sum + c.total, 0);
  if (lost > 0)
    console.log(`  dropped on disk        ${n(lost).padStart(9)}   ${JSON.stringify(wal.dropped)}`);
}
console.log('');

const filesDir = join(config.directory, 'files');
const files = listFiles(filesDir).filter((f) => f.mtimeMs >= startedAt - 1000);
const fx = stats.files;
if (fx && fx.filesWritten + files.length > 0) {
  console.log(`Files written to ${show(filesDir)}`);
  for (const f of files) console.log(`  ${f.name}   ${kib(f.size)}`);
  const pct = fx.bytesRaw > 0 ? ((100 * fx.bytesOnDisk) / fx.bytesRaw).toFixed(1) : '0';
  console.log(
    `  ${n(fx.recordsWritten)} records: raw OTLP/JSON ${kib(fx.bytesRaw)} → on disk ${kib(fx.bytesOnDisk)} (${pct}%)`,
  );
  console.log('');
  console.log('Read them:');
  console.log(`  npx spillway cat ${show(filesDir)} --min-severity warn`);
  if (files[0]) console.log(`  zstd -dc ${show(join(filesDir, files[0].name))} | jq .`);
} else {
  console.log('No local files written this run: everything reached the collector.');
}

function listFiles(dir) {
  try {
    return readdirSync(dir)
      .filter((name) => name.endsWith('.zst'))
      .map((name) => ({ name, ...statSync(join(dir, name)) }))
      .map(({ name, size, mtimeMs }) => ({ name, size, mtimeMs }));
  } catch {
    return [];
  }
}

function kib(bytes) {
  return bytes >= 1024 * 1024
    ? `${(bytes / 1024 / 1024).toFixed(1)} MiB`
    : `${(bytes / 1024).toFixed(1)} KiB`;
}
