// Error-triggered backfill (SamplingLogRecordProcessor `backfill`), three measurements:
//   1. Retention: 200 traces of 20 INFO records then one ERROR within 1 s, and 200 traces of 20
//      INFO records without one, at INFO 0.1% (the default) with a 10 s window: the share of each
//      group's INFO records exported, and the most bytes held (against the bound).
//   2. Emit cost: CPU ns per `logger.emit` of INFO records (the LogHub-like generator, 90% with a
//      trace context, none failing: every traced record is held, so once the ring is full each emit
//      also evicts — backfill's steady-state worst case):
//        (a) BatchLogRecordProcessor                       — the anchor
//        (b) Sampling, default ratios, backfill off
//        (c) Sampling, default ratios, backfill 10 s
//        (d) as (b), the caller asks logger.enabled() first
//        (e) as (c), the caller asks logger.enabled() first — enabled() now says yes to traced
//            records, so the early-out of (d) is gone
//      Each in its own child process, rounds in a shuffled order, medians over rounds (the pattern
//      of emit-cost.bench.mjs).
//   3. Memory at 100k records/s: 5 s of INFO records at 100,000/s (1,000 every 10 ms, a new trace
//      every 20 records, no errors) with backfill off and on (10 s window, default 16 MiB bound):
//      heap used after a full GC, and the bytes held, against the bound.
// Run: node bench/sampling/backfill.bench.mjs [rounds] (after
// `npx turbo run build --filter=@spillway/sampling... --filter=@spillway/testing`).
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { machine, median, shuffledRounds, table } from '../_shared.mjs';

const WINDOW = 10_000;
const COST = [
  '(a) BatchLogRecordProcessor',
  '(b) Sampling, backfill off',
  '(c) Sampling, backfill 10 s',
  '(d) as (b), caller checks enabled()',
  '(e) as (c), caller checks enabled()',
];
const RECORDS = 200_000;
const POOL = 256;
const CHUNK = 1_000;

const noopExporter = async () => {
  const { ExportResultCode } = await import('@opentelemetry/core');
  return {
    export: (_records, done) => done({ code: ExportResultCode.SUCCESS }),
    forceFlush: async () => {},
    shutdown: async () => {},
  };
};

async function provider(processor) {
  const { resourceFromAttributes } = await import('@opentelemetry/resources');
  const { LoggerProvider } = await import('@opentelemetry/sdk-logs');
  const p = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'bench' }),
    processors: [processor],
  });
  return { provider: p, logger: p.getLogger('bench') };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

async function costChild(index) {
  const { BatchLogRecordProcessor } = await import('@opentelemetry/sdk-logs');
  const { SamplingLogRecordProcessor } = await import('@spillway/sampling');
  const { createBenchmarkRecordGenerator, toLogRecord } = await import('@spillway/testing');
  const exporter = await noopExporter();
  const backfill = index === 2 || index === 4 ? { windowMillis: WINDOW } : undefined;
  const processor =
    index === 0
      ? new BatchLogRecordProcessor({ exporter })
      : new SamplingLogRecordProcessor({ exporter, backfill });
  const check = index >= 3;
  const { provider: p, logger } = await provider(processor);
  const records = createBenchmarkRecordGenerator({ seed: 3 })
    .generator.take(POOL)
    .map((g) => ({ ...toLogRecord(g), severityNumber: 9, severityText: 'INFO' }));
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
  await pass(); // JIT warm-up (and the ring filled)
  const ns = [];
  for (let k = 0; k < 3; k++) ns.push(await pass());
  await p.shutdown();
  process.stdout.write(JSON.stringify(median(ns)));
}

// Random-looking ids from an index (a Weyl sequence): deterministic, distinct per trace.
function hex(n, i) {
  let s = '';
  let x = (i + 1) >>> 0;
  while (s.length < n) {
    x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    s += x.toString(16).padStart(8, '0');
  }
  return s.slice(0, n);
}

// A span context's active-span context, as an app's span would give (built once per trace).
function spanContextFrom(api, i) {
  return api.trace.setSpanContext(api.ROOT_CONTEXT, {
    traceId: hex(32, i),
    spanId: hex(16, i + 1_000_000),
    traceFlags: api.TraceFlags.SAMPLED,
  });
}

async function retention() {
  const { SamplingLogRecordProcessor } = await import('@spillway/sampling');
  const kept = [];
  const exporter = {
    export: (records, done) => {
      for (const r of records) kept.push(r);
      done({ code: 0 });
    },
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  const processor = new SamplingLogRecordProcessor({
    exporter,
    backfill: { windowMillis: WINDOW },
  });
  const { provider: p, logger } = await provider(processor);
  const api = await import('@opentelemetry/api');
  const failing = Array.from({ length: 200 }, (_, i) => spanContextFrom(api, i));
  const passing = Array.from({ length: 200 }, (_, i) => spanContextFrom(api, i + 200));
  let maxHeld = 0;
  // As the test: each trace spans 1 s in 10 steps of 100 ms, 2 INFO records per step, a failing
  // trace's ERROR in its last step; traces start 5 ms apart (ERRORs at 200/s).
  for (let step = 0; step < 20; step++) {
    for (let i = 0; i < 200; i++) {
      const first = Math.floor(i / 20);
      if (step < first || step >= first + 10) continue;
      for (const context of [failing[i], passing[i]]) {
        for (let k = 0; k < 2; k++) {
          logger.emit({ severityNumber: 9, body: `GET /orders/${step}${k} 200`, context });
        }
      }
      if (step === first + 9) {
        logger.emit({ severityNumber: 17, body: `order ${i} failed`, context: failing[i] });
      }
    }
    maxHeld = Math.max(maxHeld, processor.getStats().backfill.bytes);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await processor.forceFlush();
  const ids = (ctxs) => new Set(ctxs.map((c) => api.trace.getSpanContext(c).traceId));
  const share = (set) =>
    kept.filter((r) => Number(r.severityNumber) === 9 && set.has(r.spanContext?.traceId)).length /
    (200 * 20);
  const stats = processor.getStats();
  await p.shutdown();
  return {
    failing: share(ids(failing)),
    passing: share(ids(passing)),
    errors: kept.filter((r) => Number(r.severityNumber) === 17).length,
    maxHeld,
    maxBytes: stats.backfill.maxBytes,
    evicted: stats.dropped.backfill_evicted.total,
  };
}

async function memoryChild(on) {
  const { SamplingLogRecordProcessor } = await import('@spillway/sampling');
  const exporter = await noopExporter();
  const processor = new SamplingLogRecordProcessor({
    exporter,
    backfill: on ? { windowMillis: WINDOW } : undefined,
  });
  const { provider: p, logger } = await provider(processor);
  const api = await import('@opentelemetry/api');
  // One context per trace, as an app's active span gives; a few traces in flight at once.
  const contexts = new Map();
  const contextOf = (t) => {
    let c = contexts.get(t);
    if (c === undefined) {
      if (contexts.size > 64) contexts.delete(contexts.keys().next().value);
      c = spanContextFrom(api, t);
      contexts.set(t, c);
    }
    return c;
  };
  globalThis.gc();
  const base = process.memoryUsage().heapUsed;
  let maxHeld = 0;
  let sent = 0;
  const start = Date.now();
  const cpu0 = process.cpuUsage();
  for (let tick = 0; tick < 500; tick++) {
    for (let j = 0; j < 1_000; j++, sent++) {
      const context = contextOf(Math.floor(sent / 20));
      logger.emit({
        severityNumber: 9,
        body: `GET /api/orders/${sent} 200 in ${sent % 50} ms`,
        attributes: { 'http.route': '/api/orders/:id', 'user.id': `u-${sent % 1000}` },
        context,
      });
    }
    if (on) maxHeld = Math.max(maxHeld, processor.getStats().backfill.bytes);
    const due = start + (tick + 1) * 10;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - Date.now())));
  }
  const seconds = (Date.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  globalThis.gc();
  const heap = process.memoryUsage().heapUsed - base;
  const stats = processor.getStats();
  await p.shutdown();
  process.stdout.write(
    JSON.stringify({
      rate: sent / seconds,
      cpu: (cpu.user + cpu.system) / 1e6 / seconds,
      heap,
      maxHeld,
      maxBytes: stats.backfill?.maxBytes ?? 0,
      held: stats.backfill?.held.total ?? 0,
    }),
  );
}

function runMemory(on) {
  const run = spawnSync(
    process.execPath,
    ['--expose-gc', fileURLToPath(import.meta.url), '--memory', on ? '1' : '0'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  if (run.status !== 0) throw new Error(`memory child failed (${run.status})`);
  return JSON.parse(run.stdout);
}

async function parent(rounds) {
  console.log(`${machine()}.\n`);
  const r = await retention();
  const pct = (x) => `${(x * 100).toFixed(1)}%`;
  console.log('Retention (INFO 0.1%, backfill 10 s, default bounds):\n');
  console.log(
    table(
      ['traces', 'INFO records exported', 'ERRORs exported'],
      [
        ['200 with an ERROR after 20 INFO, within 1 s', pct(r.failing), String(r.errors)],
        ['200 without an ERROR', pct(r.passing), '—'],
      ],
    ),
  );
  console.log(
    `\nMost bytes held: ${r.maxHeld.toLocaleString('en')} of ${r.maxBytes.toLocaleString('en')} (evicted: ${r.evicted}).\n`,
  );

  const run = shuffledRounds(import.meta.url, COST, rounds);
  const results = run.outputs.map((xs) => xs.map(Number));
  const anchor = median(results[0]);
  console.log(
    `Emit cost: ${RECORDS.toLocaleString('en')} INFO records per pass, median of ${rounds} shuffled rounds (one child process each); load average (1 min) ${Math.min(...run.loads).toFixed(1)}–${Math.max(...run.loads).toFixed(1)}.\n`,
  );
  console.log(
    table(
      ['scenario', 'CPU ns per emit (median)', 'min – max', 'ratio to (a)'],
      COST.map((name, i) => {
        const xs = results[i];
        const m = median(xs);
        return [
          name,
          m.toFixed(0),
          `${Math.min(...xs).toFixed(0)} – ${Math.max(...xs).toFixed(0)}`,
          `${(m / anchor).toFixed(2)}×`,
        ];
      }),
    ),
  );

  const load0 = loadavg()[0];
  const off = runMemory(false);
  const on = runMemory(true);
  const mib = (b) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  console.log(
    `\nMemory: 5 s of INFO records at 100k/s (paced; a loaded machine reaches less), no errors, so every traced record is held; load average (1 min) ${load0.toFixed(1)}–${loadavg()[0].toFixed(1)}:\n`,
  );
  console.log(
    table(
      [
        'backfill',
        'records/s reached',
        'CPU (cores)',
        'heap used after GC (vs start)',
        'most bytes held (estimate) / bound',
        'records held at the end',
      ],
      [
        [
          'off',
          Math.round(off.rate).toLocaleString('en'),
          off.cpu.toFixed(2),
          mib(off.heap),
          '—',
          '—',
        ],
        [
          '10 s, 16 MiB bound',
          Math.round(on.rate).toLocaleString('en'),
          on.cpu.toFixed(2),
          mib(on.heap),
          `${mib(on.maxHeld)} / ${mib(on.maxBytes)}`,
          on.held.toLocaleString('en'),
        ],
      ],
    ),
  );
}

const at = process.argv.indexOf('--child');
const mem = process.argv.indexOf('--memory');
if (at > 0) await costChild(Number(process.argv[at + 1]));
else if (mem > 0) await memoryChild(process.argv[mem + 1] === '1');
else await parent(Number(process.argv[2] ?? 5));
