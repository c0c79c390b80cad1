// What redaction with the default rules costs per record, alone and as a share of the pipeline's
// emit cost, on realistic records (the LogHub corpus when found, else synthetic records; the
// testing package's benchmark generator prints which), through a real LoggerProvider:
//   (a) SDK only: LoggerProvider → a no-op processor          — the anchor for (b)
//   (b) SDK + RedactingLogRecordProcessor (defaults) first     — (b) − (a) is redaction alone
//   (c) env-built pipeline, SPILLWAY_REDACT=none, every record kept (SPILLWAY_SAMPLING=all)
//   (d) as (c), default redaction                              — ratio (d) / (c)
//   (e) env-built pipeline, SPILLWAY_REDACT=none, default sampling ratios
//   (f) as (e), default redaction                              — ratio (f) / (e)
// The pipelines write their WAL to a temporary directory (SPILLWAY_FSYNC=never, so disk flushes
// do not dominate) and deliver to a no-op exporter. Each measurement runs in its own child
// process; rounds run the six in a shuffled order (interleaved, so load from other processes falls
// on all of them) and the table gives medians over rounds. In a child: every pass emits records it
// has not emitted before (as an app's records are built for each call: strings no one has hashed
// or scanned yet), in chunks of 1,000 with an event-loop turn between chunks (so exports run); only
// the emit loops are timed, in CPU time (process.cpuUsage). SPILLWAY_BENCH_POOL=<n> cycles n
// records instead (the same string objects again and again: a best case for any per-value cache).
// Run: node bench/redaction/redact-cost.bench.mjs [rounds] (after `npx turbo run build`).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { knob, machine, median, shuffledRounds } from '../_shared.mjs';

const SCENARIOS = [
  '(a) SDK, no-op processor',
  '(b) SDK, redaction (defaults) + no-op',
  '(c) pipeline, keep all, SPILLWAY_REDACT=none',
  '(d) pipeline, keep all, redaction (defaults)',
  '(e) pipeline, default sampling, SPILLWAY_REDACT=none',
  '(f) pipeline, default sampling, redaction (defaults)',
];
const RECORDS = 50_000;
const PASSES = 4; // one warm-up, three timed
const POOL = knob('POOL', 0);
const CHUNK = 1_000;

async function child(index) {
  const { ExportResultCode } = await import('@opentelemetry/core');
  const { LoggerProvider } = await import('@opentelemetry/sdk-logs');
  const { RedactingLogRecordProcessor } = await import('@spillway/redaction');
  const { createLogRecordProcessorFromEnv } = await import('@spillway/node');
  const { createBenchmarkRecordGenerator, toLogRecord } = await import('@spillway/testing');
  const exporter = {
    export: (_records, done) => done({ code: ExportResultCode.SUCCESS }),
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  const noop = {
    onEmit() {},
    enabled: () => true,
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  const dir = mkdtempSync(join(tmpdir(), 'spillway-bench-redact-'));
  const pipeline = (redact, sampling) =>
    createLogRecordProcessorFromEnv(
      {
        OTEL_SERVICE_NAME: 'bench',
        SPILLWAY_DIR: dir,
        SPILLWAY_FSYNC: 'never',
        SPILLWAY_FAILOVER: 'none',
        SPILLWAY_REDACT: redact,
        ...(sampling === 'all' ? { SPILLWAY_SAMPLING: 'all' } : {}),
      },
      { exporter },
    );
  const processors = [
    () => [noop],
    () => [new RedactingLogRecordProcessor(), noop],
    () => [pipeline('none', 'all')],
    () => [pipeline('default', 'all')],
    () => [pipeline('none', 'default')],
    () => [pipeline('default', 'default')],
  ][index]();
  const provider = new LoggerProvider({ processors });
  const logger = provider.getLogger('bench');
  const records = createBenchmarkRecordGenerator({ seed: 3 })
    .generator.take(POOL > 0 ? POOL : RECORDS * PASSES)
    .map((g) => toLogRecord(g));
  let next = 0;
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  const pass = async () => {
    let us = 0;
    for (let i = 0; i < RECORDS; i += CHUNK) {
      const t0 = process.cpuUsage();
      for (let j = 0; j < CHUNK; j++) logger.emit(records[next++ % records.length]);
      const t = process.cpuUsage(t0);
      us += t.user + t.system;
      await turn();
    }
    return (us * 1000) / RECORDS;
  };
  await pass(); // JIT warm-up
  const ns = [];
  for (let k = 1; k < PASSES; k++) ns.push(await pass());
  await provider.shutdown();
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(JSON.stringify(median(ns)));
}

function parent(rounds) {
  const results = shuffledRounds(import.meta.url, SCENARIOS, rounds, {
    echoStderr: true,
  }).outputs.map((xs) => xs.map(Number));
  const m = results.map(median);
  console.log(
    `${machine()}; ${RECORDS.toLocaleString('en')} records per pass (the benchmark generator's level mix; ${POOL > 0 ? `a pool of ${POOL} cycled` : 'each emitted once'}), median of ${rounds} shuffled rounds (one child process each).\n`,
  );
  console.log('| scenario | CPU ns per emit (median) | min – max | ratio |');
  console.log('|---|---:|---:|---:|');
  const anchor = [0, 0, 2, 2, 4, 4];
  SCENARIOS.forEach((name, i) => {
    const xs = results[i];
    const ratio =
      i % 2 === 1
        ? `${(m[i] / m[anchor[i]]).toFixed(2)}× of ${SCENARIOS[anchor[i]].slice(0, 3)}`
        : '1.00×';
    console.log(
      `| ${name} | ${m[i].toFixed(0)} | ${Math.min(...xs).toFixed(0)} – ${Math.max(...xs).toFixed(0)} | ${ratio} |`,
    );
  });
  console.log(
    `\nRedaction alone, (b) − (a): ${(m[1] - m[0]).toFixed(0)} ns per record. Added to the pipeline: ${(m[3] - m[2]).toFixed(0)} ns per record kept (d − c), ${(m[5] - m[4]).toFixed(0)} ns per record with default sampling (f − e; records the sampler refuses in enabled() are never built or redacted).`,
  );
}

const at = process.argv.indexOf('--child');
if (at > 0) await child(Number(process.argv[at + 1]));
else parent(Number(process.argv[2] ?? 7));
