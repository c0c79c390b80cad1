// The processor's own cost, without the SDK's record construction: CPU ns per `onEmit` of records
// the SDK already built (256 INFO records from the LogHub corpus or generated, cycled, in cache), exports to a
// no-op exporter included (amortised), for the SDK's BatchLogRecordProcessor and for
// SamplingLogRecordProcessor keeping everything (all ratios 1, no silencing) — the decision, the
// byte estimate, the severity queue and its batching. emit-cost.bench.mjs measures the same through
// Logger.emit, where the SDK's record construction makes these figures a few percent of the total.
// Each measurement in its own child process, rounds shuffled, medians.
// Run: node bench/sampling/on-emit.bench.mjs [rounds] (after building @spillway/sampling and
// @spillway/testing).
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { median } from '../_shared.mjs';

const SCENARIOS = ['BatchLogRecordProcessor', 'SamplingLogRecordProcessor (keep all)'];
const CALLS = 200_000;
const POOL = 256;
const CHUNK = 1_000;

async function child(index) {
  const { ExportResultCode } = await import('@opentelemetry/core');
  const { BatchLogRecordProcessor, LoggerProvider } = await import('@opentelemetry/sdk-logs');
  const { SamplingLogRecordProcessor } = await import('@spillway/sampling');
  const { createBenchmarkRecordGenerator, toLogRecord } = await import('@spillway/testing');
  // Build real SDK records (LogRecordImpl) once, through a provider with a capturing processor.
  const records = [];
  const capture = new LoggerProvider({
    processors: [
      { onEmit: (r) => records.push(r), forceFlush: async () => {}, shutdown: async () => {} },
    ],
  }).getLogger('bench');
  for (const g of createBenchmarkRecordGenerator({ seed: 3 }).generator.take(POOL)) {
    capture.emit({ ...toLogRecord(g), severityNumber: 9, severityText: 'INFO' });
  }
  const exporter = {
    export: (_records, done) => done({ code: ExportResultCode.SUCCESS }),
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  const processor =
    index === 0
      ? new BatchLogRecordProcessor({ exporter })
      : new SamplingLogRecordProcessor({
          exporter,
          ratios: { trace: 1, debug: 1, info: 1, warn: 1, error: 1 },
          traceSilenceAfter: 0,
        });
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  const pass = async () => {
    let us = 0;
    for (let i = 0; i < CALLS; i += CHUNK) {
      const t0 = process.cpuUsage();
      for (let j = i; j < i + CHUNK; j++) processor.onEmit(records[j & (POOL - 1)]);
      const t = process.cpuUsage(t0);
      us += t.user + t.system;
      await turn();
    }
    return (us * 1000) / CALLS;
  };
  await pass(); // JIT warm-up
  const ns = [];
  for (let k = 0; k < 5; k++) ns.push(await pass());
  await processor.shutdown();
  process.stdout.write(JSON.stringify(median(ns)));
}

function parent(rounds) {
  const results = SCENARIOS.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (const i of r % 2 === 0 ? [0, 1] : [1, 0]) {
      const run = spawnSync(
        process.execPath,
        [fileURLToPath(import.meta.url), '--child', String(i)],
        {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      if (run.status !== 0) throw new Error(`scenario ${SCENARIOS[i]} failed`);
      results[i].push(Number(run.stdout));
    }
  }
  console.log(
    `Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, ${new Date().toISOString().slice(0, 10)}; ${CALLS.toLocaleString('en')} onEmit calls per pass, median of ${rounds} alternating rounds (one child process each).\n`,
  );
  console.log('| processor | CPU ns per onEmit (median) | min – max |');
  console.log('|---|---:|---:|');
  SCENARIOS.forEach((name, i) => {
    const xs = results[i];
    console.log(
      `| ${name} | ${median(xs).toFixed(0)} | ${Math.min(...xs).toFixed(0)} – ${Math.max(...xs).toFixed(0)} |`,
    );
  });
}

const at = process.argv.indexOf('--child');
if (at > 0) await child(Number(process.argv[at + 1]));
else parent(Number(process.argv[2] ?? 7));
