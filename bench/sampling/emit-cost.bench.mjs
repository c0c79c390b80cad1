// ns per `logger.emit` through a real LoggerProvider, INFO records from the LogHub corpus (90% with
// a trace context), each processor on a no-op exporter:
//   (a) BatchLogRecordProcessor                        — the anchor
//   (b) SamplingLogRecordProcessor, every ratio 1      — the cost of deciding and queueing (no
//                                                        silencing: every record is kept)
//   (c) SamplingLogRecordProcessor, default ratios     — INFO kept at 0.001
//   (d) as (c), the caller asks logger.enabled() first — what a bridge that checks saves
// A pool of 4,096 records is cycled (an app emits records it has just built, so they are in cache;
// 200k distinct pre-built records would measure memory latency instead). Records are emitted in
// chunks of 1,000 with an event-loop turn between chunks (so exports run, as in a live service);
// only the emit loops are timed, in CPU time (process.cpuUsage) so that other processes sharing the
// machine do not count. Rounds run the scenarios in a shuffled order;
// the table gives medians over rounds. Run: node --expose-gc bench/sampling/emit-cost.bench.mjs [rounds] (after
// `npx turbo run build --filter=@spillway/sampling... --filter=@spillway/testing`).
import { cpus } from 'node:os';
import { ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { SamplingLogRecordProcessor } from '@spillway/sampling';
import { CorpusRecordGenerator, toLogRecord } from '@spillway/testing';

const RECORDS = 200_000;
const POOL = 4096;
const CHUNK = 1_000;
const ROUNDS = Number(process.argv[2] ?? 9);

const noopExporter = () => ({
  export: (_records, done) => done({ code: ExportResultCode.SUCCESS }),
  forceFlush: async () => {},
  shutdown: async () => {},
});

// INFO records with real bodies and attributes; the generator's share without trace context.
const records = new CorpusRecordGenerator({ seed: 3 }).take(POOL).map((g) => ({
  ...toLogRecord(g),
  severityNumber: 9,
  severityText: 'INFO',
}));

function provider(processor) {
  const p = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'bench' }),
    processors: [processor],
  });
  return { p, logger: p.getLogger('bench') };
}

const scenarios = [
  {
    name: '(a) BatchLogRecordProcessor',
    make: () => provider(new BatchLogRecordProcessor({ exporter: noopExporter() })),
  },
  {
    name: '(b) Sampling, all ratios 1',
    make: () =>
      provider(
        new SamplingLogRecordProcessor({
          exporter: noopExporter(),
          ratios: { trace: 1, debug: 1, info: 1, warn: 1, error: 1 },
          // The pool repeats each trace's records: silencing would drop most of them.
          traceSilenceAfter: 0,
        }),
      ),
  },
  {
    name: '(c) Sampling, default ratios',
    make: () => provider(new SamplingLogRecordProcessor({ exporter: noopExporter() })),
  },
  {
    name: '(d) as (c), caller checks enabled()',
    check: true,
    make: () => provider(new SamplingLogRecordProcessor({ exporter: noopExporter() })),
  },
];

const turn = () => new Promise((resolve) => setImmediate(resolve));

async function run(s) {
  const { p, logger } = s.make();
  let us = 0;
  for (let i = 0; i < RECORDS; i += CHUNK) {
    const end = Math.min(i + CHUNK, RECORDS);
    const t0 = process.cpuUsage();
    if (s.check) {
      for (let j = i; j < end; j++) {
        const r = records[j & (POOL - 1)];
        if (logger.enabled({ severityNumber: 9, context: r.context })) logger.emit(r);
      }
    } else {
      for (let j = i; j < end; j++) logger.emit(records[j & (POOL - 1)]);
    }
    const t = process.cpuUsage(t0);
    us += t.user + t.system;
    await turn();
  }
  await p.shutdown();
  return (us * 1000) / RECORDS;
}

function shuffle(a) {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)];
};

// Warm-up round (JIT), not counted.
for (const s of scenarios) await run(s);
const results = new Map(scenarios.map((s) => [s.name, []]));
for (let r = 0; r < ROUNDS; r++) {
  for (const s of shuffle([...scenarios])) {
    globalThis.gc?.();
    results.get(s.name).push(await run(s));
  }
}

const anchor = median(results.get(scenarios[0].name));
console.log(
  `Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, ${new Date().toISOString().slice(0, 10)}; ${RECORDS.toLocaleString('en')} INFO records per run, median of ${ROUNDS} shuffled rounds.\n`,
);
console.log('| scenario | CPU ns per emit (median) | min – max | ratio to (a) |');
console.log('|---|---:|---:|---:|');
for (const s of scenarios) {
  const xs = results.get(s.name);
  const m = median(xs);
  console.log(
    `| ${s.name} | ${m.toFixed(0)} | ${Math.min(...xs).toFixed(0)} – ${Math.max(...xs).toFixed(0)} | ${(m / anchor).toFixed(2)}× |`,
  );
}
