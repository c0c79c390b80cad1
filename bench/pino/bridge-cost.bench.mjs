// The bridge's own cost, in one process (no HTTP, no pipeline I/O): CPU per request of a request
// handler's 3 pino records (a child logger per request, trace context active, pino → a sink that
// discards), without a bridge and with @spillway/pino in front of a real LoggerProvider and the
// real SamplingLogRecordProcessor (default ratios: most records refused before they are built;
// and everything kept, exporting to a no-op exporter). The complement of http-service.bench.mjs,
// whose figures carry the machine's noise. One child process per cell, shuffled interleaved
// rounds (bench/_shared.mjs), medians. Run: node bench/pino/bridge-cost.bench.mjs [rounds].
// Knobs: SPILLWAY_BENCH_REQUESTS (300000), SPILLWAY_BENCH_MODULES (cjs: the packages loaded with
// require, as a CommonJS service and `-r @spillway/node/register` load them; esm: with import).
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { knob, machine, median, shuffledRounds, table } from '../_shared.mjs';

const REQUESTS = knob('REQUESTS', 300_000);
const MODULES = process.env.SPILLWAY_BENCH_MODULES === 'esm' ? 'esm' : 'cjs';
const require = createRequire(import.meta.url);
// The module of `name` in the chosen format; the ESM and CJS builds differ in how one package's
// exports reach another (bindings, or getters on an exports object).
const load = (name) => (MODULES === 'esm' ? import(name) : Promise.resolve(require(name)));
const CONFIGS = [
  'pino alone',
  '@spillway/pino, default sampling',
  '@spillway/pino, everything kept',
];

async function child(index) {
  const pino = require('pino');
  const api = await load('@opentelemetry/api');
  const { AsyncLocalStorageContextManager } = await load('@opentelemetry/context-async-hooks');
  const { LoggerProvider } = await load('@opentelemetry/sdk-logs');
  const { SamplingLogRecordProcessor } = await load('@spillway/sampling');
  const { SpillwayPinoBridge } = await load('@spillway/pino');
  api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const exporter = { export: (_batch, done) => done({ code: 0 }), shutdown: async () => {} };
  const all = { trace: 1, debug: 1, info: 1, warn: 1, error: 1, fatal: 1 };
  const processor = new SamplingLogRecordProcessor({
    exporter,
    ...(index === 2 ? { ratios: all, traceSilenceAfter: 0 } : {}),
  });
  const provider = new LoggerProvider({ processors: [processor] });
  let logger = pino({}, { write() {} });
  let bridge;
  if (index > 0) {
    bridge = new SpillwayPinoBridge({ logger: provider.getLogger('bench') });
    logger = bridge.attach(logger);
  }
  const traceIds = Array.from({ length: 4096 }, () => randomBytes(16).toString('hex'));
  const run = (n) => {
    for (let i = 0; i < n; i++) {
      const sc = { traceId: traceIds[i & 4095], spanId: 'b7ad6b7169203331', traceFlags: 1 };
      api.context.with(api.trace.setSpanContext(api.ROOT_CONTEXT, sc), () => {
        const log = logger.child({ reqId: i });
        log.info({ method: 'GET', url: '/orders/1' }, 'request received');
        if (i % 10 === 0) log.warn({ table: 'orders', rows: 3, ms: 180 }, 'slow query');
        else log.info({ table: 'orders', rows: 3, ms: 3 }, 'query done');
        log.info({ status: 200, bytes: 120 }, 'request served');
      });
    }
  };
  run(REQUESTS / 5);
  const c0 = process.cpuUsage();
  run(REQUESTS);
  const c = process.cpuUsage(c0);
  await provider.shutdown();
  const s = bridge?.getStats();
  process.stdout.write(
    `${JSON.stringify({ cpu: (c.user + c.system) / REQUESTS, emitted: s?.emitted ?? 0, asked: s?.asked ?? 0 })}\n`,
  );
}

async function main() {
  const rounds = Number(process.argv[2] ?? 5);
  const { outputs, loads } = shuffledRounds(import.meta.url, CONFIGS, rounds);
  const results = outputs.map((runs) => runs.map((o) => JSON.parse(o)));
  const cpu = results.map((runs) => median(runs.map((r) => r.cpu)));
  const rows = CONFIGS.map((name, i) => [
    name,
    cpu[i].toFixed(2),
    (cpu[i] - cpu[0]).toFixed(2),
    ((cpu[i] - cpu[0]) / 3).toFixed(2),
    results[i][0].asked === 0
      ? '—'
      : `${((100 * results[i][0].emitted) / results[i][0].asked).toFixed(2)}%`,
  ]);
  process.stdout.write(
    `${machine()}; packages loaded as ${MODULES}; ${REQUESTS} requests of 3 records (90% INFO, a WARN every 10th request, all in traces), ${rounds} interleaved rounds, medians; load average ${loads.map((l) => l.toFixed(2)).join(' → ')}\n\n`,
  );
  process.stdout.write(
    `${table(['configuration', 'CPU µs / request', 'added µs / request', 'added µs / record', 'records built'], rows)}\n`,
  );
}

const i = process.argv.indexOf('--child');
if (i > 0) await child(Number(process.argv[i + 1]));
else await main();
