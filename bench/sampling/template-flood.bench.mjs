// Template flood: 20,000 ERROR records/s of one template for 3 s, mixed with 50 rare ERROR
// templates (5 records each) and INFO traffic, through a real LoggerProvider and
// SamplingLogRecordProcessor at its DEFAULT config into an in-memory exporter. Time is simulated
// (Date.now is the benchmark's clock, advanced 10 ms a step), so the figures are deterministic.
// Prints: rare templates kept, the flood's kept records against its budget, its adjusted count
// (sum of 1/p from `sampling.threshold`) against the true count, drops by reason and the
// accounting, then the cost of keying (ns per record) over the workload's bodies.
// Runs the package sources (bundled with esbuild at start): no build needed.
// Run: node bench/sampling/template-flood.bench.mjs
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import * as esbuild from 'esbuild';
import { knob, machine } from '../_shared.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const out = join(root, 'node_modules/.cache/spillway-bench');
mkdirSync(out, { recursive: true });
await esbuild.build({
  entryPoints: {
    sampling: join(root, 'packages/sampling/src/index.ts'),
    'template-key': join(root, 'packages/sampling/src/internal/template-key.ts'),
  },
  bundle: true,
  format: 'esm',
  platform: 'node',
  outdir: out,
  outExtension: { '.js': '.mjs' },
  external: ['@opentelemetry/*'],
  tsconfig: join(root, 'tsconfig.json'),
  logLevel: 'warning',
});
const { SamplingLogRecordProcessor, parseThreshold, thresholdToProbability } = await import(
  pathToFileURL(join(out, 'sampling.mjs')).href
);
const { TemplateKeyer } = await import(pathToFileURL(join(out, 'template-key.mjs')).href);

const SECONDS = 3;
const STEP_MS = 10;
const STEPS = (SECONDS * 1000) / STEP_MS;
const FLOOD_PER_STEP = 200; // 20,000/s
const INFO_PER_STEP = 50; // 5,000/s
const RARE_TEMPLATES = 50;
const RARE_EACH = 5;

// Deterministic stream (mulberry32).
let seed = Number(knob('SEED', 16));
function rand32() {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (t ^ (t >>> 14)) >>> 0;
}
const hex8 = () => rand32().toString(16).padStart(8, '0');
const traceContext = () =>
  trace.setSpanContext(ROOT_CONTEXT, {
    traceId: hex8() + hex8() + hex8() + hex8(),
    spanId: hex8() + hex8(),
    traceFlags: TraceFlags.SAMPLED,
  });

// The rare templates' records at random steps; each rare template has its own words.
const rareAt = new Map();
const WORDS = ['disk', 'quota', 'tls', 'dns', 'lock', 'index', 'cache', 'auth', 'schema', 'queue'];
for (let t = 0; t < RARE_TEMPLATES; t++) {
  const shape = `${WORDS[t % 10]} ${WORDS[Math.floor(t / 10)]} failure kind${String.fromCharCode(97 + (t % 26))}${String.fromCharCode(97 + Math.floor(t / 26))}`;
  for (let k = 0; k < RARE_EACH; k++) {
    const step = rand32() % STEPS;
    const body = `${shape} on node-${rand32() % 90} after ${rand32() % 900}ms`;
    if (!rareAt.has(step)) rareAt.set(step, []);
    rareAt.get(step).push({ shape, body });
  }
}
const INFO_SHAPES = ['GET /api/orders/{} 200 {}ms', 'cache hit key={}', 'user {} logged in'];

const realNow = Date.now;
let simulated = realNow();
Date.now = () => Math.floor(simulated);

const exported = [];
const exporter = {
  export(batch, done) {
    for (const r of batch) exported.push(r);
    done({ code: ExportResultCode.SUCCESS });
  },
  forceFlush: async () => {},
  shutdown: async () => {},
};
const processor = new SamplingLogRecordProcessor({ exporter });
const provider = new LoggerProvider({
  resource: resourceFromAttributes({ 'service.name': 'template-flood' }),
  processors: [processor],
});
const logger = provider.getLogger('template-flood');
const bodies = [];
let emitted = 0;
let floodTrue = 0;
for (let step = 0; step < STEPS; step++) {
  for (let i = 0; i < FLOOD_PER_STEP; i++) {
    // Spread over the step: the simulated clock moves within it.
    simulated += STEP_MS / (FLOOD_PER_STEP + INFO_PER_STEP);
    const body = `GET /api/orders/${rand32() % 100000} 500 ${rand32() % 3000}ms upstream timeout`;
    logger.emit({ severityNumber: 17, severityText: 'ERROR', body, context: traceContext() });
    floodTrue++;
    if (bodies.length < 10_000) bodies.push(body);
  }
  for (let i = 0; i < INFO_PER_STEP; i++) {
    simulated += STEP_MS / (FLOOD_PER_STEP + INFO_PER_STEP);
    const body = INFO_SHAPES[i % 3].replaceAll('{}', () => String(rand32() % 10000));
    logger.emit({ severityNumber: 9, severityText: 'INFO', body, context: traceContext() });
    if (bodies.length < 10_000) bodies.push(body);
  }
  for (const r of rareAt.get(step) ?? []) {
    logger.emit({
      severityNumber: 17,
      severityText: 'ERROR',
      body: r.body,
      context: traceContext(),
    });
    bodies.push(r.body);
  }
  emitted += FLOOD_PER_STEP + INFO_PER_STEP + (rareAt.get(step)?.length ?? 0);
  // Let the processor's clock see the new time (it rereads Date.now once per event-loop turn).
  await new Promise((r) => setImmediate(r));
}
simulated += 1000;
await provider.forceFlush();
const st = processor.getStats();
await provider.shutdown();
Date.now = realNow;

const isFlood = (r) => typeof r.body === 'string' && r.body.endsWith('upstream timeout');
let floodKept = 0;
let floodAdjusted = 0;
const rareKept = new Set();
let thinnedSummaries = 0;
for (const r of exported) {
  if (r.eventName === 'spillway.sampling.thinned') thinnedSummaries++;
  if (r.severityNumber !== 17) continue;
  if (isFlood(r)) {
    floodKept++;
    const th = r.attributes['sampling.threshold'];
    floodAdjusted += th === undefined ? 1 : 1 / thresholdToProbability(parseThreshold(th));
  } else {
    rareKept.add(r.body.replace(/ on node-.*$/, ''));
  }
}
const budget = st.rateLimits.error.limit * SECONDS;
const policyDrops =
  st.dropped.sampled.total + st.dropped.rate_limited.total + st.dropped.silenced.total;
const accounted = st.kept.total - st.summaries + policyDrops;
const adjustedError = (floodAdjusted - floodTrue) / floodTrue;

console.log(`template flood — ${machine()}`);
console.log(
  `emitted ${emitted} (flood ${floodTrue} ERROR of one template, ${RARE_TEMPLATES * RARE_EACH} ERROR of ${RARE_TEMPLATES} rare templates, ${STEPS * INFO_PER_STEP} INFO), ${SECONDS} s simulated, default config (error budget ${st.rateLimits.error.limit}/s)`,
);
console.log(`rare templates kept: ${rareKept.size} of ${RARE_TEMPLATES}`);
console.log(
  `flood kept: ${floodKept} (budget ${budget} over ${SECONDS} s: ${floodKept <= budget ? 'within' : 'OVER'})`,
);
console.log(
  `flood adjusted count from sampling.threshold: ${Math.round(floodAdjusted)} of ${floodTrue} (${(adjustedError * 100).toFixed(2)}%)`,
);
console.log(
  `drops by reason: sampled ${st.dropped.sampled.total}, rate_limited ${st.dropped.rate_limited.total} (error ${st.dropped.rate_limited.error}), silenced ${st.dropped.silenced.total}, queue_full ${st.dropped.queue_full.total}, export_failed ${st.dropped.export_failed.total}; summaries ${st.summaries} (thinned-template summaries exported: ${thinnedSummaries})`,
);
console.log(
  `accounted: ${accounted} of ${emitted} records (kept + dropped by reason); exported ${exported.length}`,
);
console.log(
  `template keys: ${st.templates.size} (bound ${st.templates.maxSize}), evicted ${st.templates.evictions}`,
);

// Keying cost: the keyer alone over the workload's bodies (cycled), as onEmit runs it.
const keyer = new TemplateKeyer({ attribute: '' });
const scope = { name: 'template-flood' };
const records = bodies.map((body) => ({ body, instrumentationScope: scope, attributes: {} }));
let sink = 0;
const N = 2_000_000;
for (let i = 0; i < 200_000; i++) sink ^= keyer.key(records[i % records.length], 4);
const t0 = process.cpuUsage();
for (let i = 0; i < N; i++) sink ^= keyer.key(records[i % records.length], 4);
const cpu = process.cpuUsage(t0);
// The floor to read it against: one FNV-1a pass over the same bodies, nothing masked.
const fnv = (str) => {
  let h = 0x811c9dc5;
  for (let i = 0; i < str.length; i++) h = Math.imul(h ^ str.charCodeAt(i), 0x01000193);
  return h;
};
for (let i = 0; i < 200_000; i++) sink ^= fnv(records[i % records.length].body);
const t1 = process.cpuUsage();
for (let i = 0; i < N; i++) sink ^= fnv(records[i % records.length].body);
const cpuFnv = process.cpuUsage(t1);
const avgLen = records.reduce((n, r) => n + r.body.length, 0) / records.length;
const ns = (c) => (((c.user + c.system) * 1000) / N).toFixed(0);
console.log(
  `keying: ${ns(cpu)} ns CPU per record (${records.length} bodies, mean ${avgLen.toFixed(0)} chars); a plain FNV-1a hash of the body: ${ns(cpuFnv)} ns [${sink & 1}]`,
);
const ok =
  rareKept.size === RARE_TEMPLATES &&
  floodKept <= budget &&
  Math.abs(adjustedError) <= 0.1 &&
  accounted === emitted;
console.log(ok ? 'all targets met' : 'TARGETS NOT MET');
