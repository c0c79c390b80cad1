// Burst: 10,000 mixed-severity records (LogHub's real level mix, else generated) every 100 ms for 3 s, through a
// real LoggerProvider into an exporter that takes 5 ms per batch. Compares the SDK's
// BatchLogRecordProcessor with SamplingLogRecordProcessor at its defaults and without rate limits:
// what each delivers, what each loses per class, and (ours) why. The batch processor cannot say why; its losses are queue
// overflow. Median of several runs per processor, alternating. Run: node --expose-gc
// bench/sampling/burst.bench.mjs [runs] (after building @spillway/sampling and @spillway/testing).
import { cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { SamplingLogRecordProcessor } from '@spillway/sampling';
import { createBenchmarkRecordGenerator, toLogRecord } from '@spillway/testing';

const PER_TICK = 10_000;
const TICKS = 30;
const TICK_MS = 100;
const EXPORT_MS = 5;
const RUNS = Number(process.argv[2] ?? 3);
const CLASSES = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
const classOf = (n) => (n >= 1 && n <= 24 ? (n - 1) >> 2 : 2);

const records = createBenchmarkRecordGenerator({ seed: 11 })
  .generator.take(PER_TICK * TICKS)
  .map((g) => toLogRecord(g));
const emittedByClass = new Array(6).fill(0);
for (const r of records) emittedByClass[classOf(r.severityNumber)]++;

function slowExporter() {
  const exported = new Array(6).fill(0);
  return {
    exported,
    export(batch, done) {
      setTimeout(() => {
        for (const r of batch) exported[classOf(r.severityNumber)]++;
        done({ code: ExportResultCode.SUCCESS });
      }, EXPORT_MS);
    },
    forceFlush: async () => {},
    shutdown: async () => {},
  };
}

async function run(makeProcessor) {
  const exporter = slowExporter();
  const processor = makeProcessor(exporter);
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'burst' }),
    processors: [processor],
  });
  const logger = provider.getLogger('burst');
  const start = performance.now();
  for (let t = 0; t < TICKS; t++) {
    for (let i = t * PER_TICK; i < (t + 1) * PER_TICK; i++) logger.emit(records[i]);
    const next = start + (t + 1) * TICK_MS;
    await sleep(Math.max(0, next - performance.now()));
  }
  await provider.shutdown();
  return { exported: exporter.exported, stats: processor.getStats?.() };
}

const makers = {
  batch: (exporter) => new BatchLogRecordProcessor({ exporter }),
  sampling: (exporter) => new SamplingLogRecordProcessor({ exporter }),
  // Every ERROR and WARN kept by policy: does the queue still lose none of them?
  unlimited: (exporter) =>
    new SamplingLogRecordProcessor({ exporter, rateLimits: { warn: 0, error: 0 } }),
};
const runs = { batch: [], sampling: [], unlimited: [] };
for (let r = 0; r < RUNS; r++) {
  const names = Object.keys(makers);
  for (let k = 0; k < names.length; k++) {
    const name = names[(k + r) % names.length];
    globalThis.gc?.();
    runs[name].push(await run(makers[name]));
  }
}

// The run with the median number of records exported stands for each processor.
const medianRun = (rs) => {
  const s = [...rs].sort((a, b) => sum(a.exported) - sum(b.exported));
  return s[Math.floor(s.length / 2)];
};
const sum = (xs) => xs.reduce((a, b) => a + b, 0);
const pct = (n, d) => (d === 0 ? '–' : `${((100 * n) / d).toFixed(1)}%`);
const total = sum(emittedByClass);

console.log(
  `Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, ${new Date().toISOString().slice(0, 10)}; ${PER_TICK.toLocaleString('en')} records every ${TICK_MS} ms for ${(TICKS * TICK_MS) / 1000} s (${total.toLocaleString('en')} records), exporter ${EXPORT_MS} ms per batch; median of ${RUNS} runs.\n`,
);
const b = medianRun(runs.batch);
const s = medianRun(runs.sampling);
const u = medianRun(runs.unlimited);
const policyOf = (st, name) =>
  st.dropped.sampled[name] + st.dropped.rate_limited[name] + st.dropped.silenced[name];
console.log(
  '| class | emitted | Batch: exported | Batch: lost | Sampling (defaults): exported / queue_full / policy | Sampling (no rate limits): exported / queue_full / policy |',
);
console.log('|---|---:|---:|---:|---:|---:|');
for (let c = 5; c >= 0; c--) {
  const name = CLASSES[c];
  const e = emittedByClass[c];
  console.log(
    `| ${name} | ${e} | ${b.exported[c]} | ${e - b.exported[c]} (${pct(e - b.exported[c], e)}) | ${s.exported[c]} / ${s.stats.dropped.queue_full[name]} / ${policyOf(s.stats, name)} | ${u.exported[c]} / ${u.stats.dropped.queue_full[name]} / ${policyOf(u.stats, name)} |`,
  );
}
const bLost = total - sum(b.exported);
const policyTotal = (st) =>
  st.dropped.sampled.total + st.dropped.rate_limited.total + st.dropped.silenced.total;
console.log(
  `| **all** | ${total} | ${sum(b.exported)} | ${bLost} (${pct(bLost, total)}) | ${sum(s.exported)} / ${s.stats.dropped.queue_full.total} / ${policyTotal(s.stats)} | ${sum(u.exported)} / ${u.stats.dropped.queue_full.total} / ${policyTotal(u.stats)} |`,
);
for (const [label, r] of [
  ['Sampling (defaults)', s],
  ['Sampling (no rate limits)', u],
]) {
  const st = r.stats;
  const accounted =
    st.exported.total +
    st.dropped.sampled.total +
    st.dropped.rate_limited.total +
    st.dropped.silenced.total +
    st.dropped.queue_full.total +
    st.dropped.export_failed.total -
    st.summaries;
  console.log(
    `\n${label}: drops by reason: sampled ${st.dropped.sampled.total}, rate_limited ${st.dropped.rate_limited.total} (error ${st.dropped.rate_limited.error}, warn ${st.dropped.rate_limited.warn}), silenced ${st.dropped.silenced.total}, queue_full ${st.dropped.queue_full.total}, export_failed ${st.dropped.export_failed.total}; summaries emitted ${st.summaries}. ` +
      `Accounted: ${accounted} of ${total} records (${accounted === total ? 'every record' : 'MISMATCH'}). ` +
      `ERROR/FATAL lost to queue overflow: ${st.dropped.queue_full.error + st.dropped.queue_full.fatal}.` +
      (st.rateLimits.error
        ? ` Rate-limit backoff at the end: error level ${st.rateLimits.error.backoffLevel} (${st.rateLimits.error.backoffs} halvings), warn level ${st.rateLimits.warn?.backoffLevel}.`
        : ''),
  );
}
