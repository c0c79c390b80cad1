// ns per `logger.emit` through a real LoggerProvider, INFO records from the LogHub corpus or generated (90% with
// a trace context), each processor on a no-op exporter:
//   (a) BatchLogRecordProcessor                        — the anchor
//   (b) SamplingLogRecordProcessor, every ratio 1      — the cost of deciding and queueing (no
//                                                        silencing: every record is kept)
//   (c) SamplingLogRecordProcessor, default ratios     — INFO kept at 0.001
//   (d) as (c), the caller asks logger.enabled() first — what a bridge that checks saves
// Each measurement runs in its own child process (one processor class per process, as in an app,
// so the SDK's call sites stay monomorphic); rounds run the four in a shuffled order, so load from
// other processes falls on all of them; the table gives medians over rounds. In a child: a pool of
// 256 records is cycled, so that records and their bodies are in cache as in an app that emits what
// it has just built (a large pool measures memory latency: the batch processor never reads a body,
// ours reads its length for the queue's byte bound); chunks of 1,000 records with an event-loop turn
// between chunks (so exports run, as in a live service); only the emit loops are timed, in CPU time
// (process.cpuUsage). Run: node bench/sampling/emit-cost.bench.mjs
// [rounds] (after `npx turbo run build --filter=@spillway/sampling... --filter=@spillway/testing`).
import { cpus } from 'node:os';
import { median, shuffledRounds } from '../_shared.mjs';

const SCENARIOS = [
  '(a) BatchLogRecordProcessor',
  '(b) Sampling, all ratios 1',
  '(c) Sampling, default ratios',
  '(d) as (c), caller checks enabled()',
];
const RECORDS = 200_000;
const POOL = 256;
const CHUNK = 1_000;

async function child(index) {
  const { ExportResultCode } = await import('@opentelemetry/core');
  const { resourceFromAttributes } = await import('@opentelemetry/resources');
  const { BatchLogRecordProcessor, LoggerProvider } = await import('@opentelemetry/sdk-logs');
  const { SamplingLogRecordProcessor } = await import('@spillway/sampling');
  const { createBenchmarkRecordGenerator, toLogRecord } = await import('@spillway/testing');
  const exporter = {
    export: (_records, done) => done({ code: ExportResultCode.SUCCESS }),
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  const processor = [
    () => new BatchLogRecordProcessor({ exporter }),
    () =>
      new SamplingLogRecordProcessor({
        exporter,
        ratios: { trace: 1, debug: 1, info: 1, warn: 1, error: 1 },
        // The pool repeats each trace's records: silencing would drop most of them.
        traceSilenceAfter: 0,
      }),
    () => new SamplingLogRecordProcessor({ exporter }),
    () => new SamplingLogRecordProcessor({ exporter }),
  ][index]();
  const check = index === 3;
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'bench' }),
    processors: [processor],
  });
  const logger = provider.getLogger('bench');
  // INFO records with realistic bodies and attributes; the generator's share without trace context.
  const records = createBenchmarkRecordGenerator({ seed: 3 })
    .generator.take(POOL)
    .map((g) => ({
      ...toLogRecord(g),
      severityNumber: 9,
      severityText: 'INFO',
    }));
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  const pass = async () => {
    let us = 0;
    for (let i = 0; i < RECORDS; i += CHUNK) {
      const t0 = process.cpuUsage();
      if (check) {
        for (let j = i; j < i + CHUNK; j++) {
          const r = records[j & (POOL - 1)];
          if (logger.enabled({ severityNumber: 9, context: r.context })) logger.emit(r);
        }
      } else {
        for (let j = i; j < i + CHUNK; j++) logger.emit(records[j & (POOL - 1)]);
      }
      const t = process.cpuUsage(t0);
      us += t.user + t.system;
      await turn();
    }
    return (us * 1000) / RECORDS;
  };
  await pass(); // JIT warm-up
  const ns = [];
  for (let k = 0; k < 3; k++) ns.push(await pass());
  await provider.shutdown();
  process.stdout.write(JSON.stringify(median(ns)));
}

function parent(rounds) {
  const results = shuffledRounds(import.meta.url, SCENARIOS, rounds).outputs.map((xs) =>
    xs.map(Number),
  );
  const anchor = median(results[0]);
  console.log(
    `Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, ${new Date().toISOString().slice(0, 10)}; ${RECORDS.toLocaleString('en')} INFO records per pass, median of ${rounds} shuffled rounds (one child process each).\n`,
  );
  console.log('| scenario | CPU ns per emit (median) | min – max | ratio to (a) |');
  console.log('|---|---:|---:|---:|');
  SCENARIOS.forEach((name, i) => {
    const xs = results[i];
    const m = median(xs);
    console.log(
      `| ${name} | ${m.toFixed(0)} | ${Math.min(...xs).toFixed(0)} – ${Math.max(...xs).toFixed(0)} | ${(m / anchor).toFixed(2)}× |`,
    );
  });
}

const at = process.argv.indexOf('--child');
if (at > 0) await child(Number(process.argv[at + 1]));
else parent(Number(process.argv[2] ?? 7));
