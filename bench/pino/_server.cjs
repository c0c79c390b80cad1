// The HTTP service bench/pino/http-service.bench.mjs measures: node:http on 127.0.0.1, three pino
// records per request (pino → a file, async), the request's trace context taken from its
// `traceparent` header (a no-op without an SDK). Started by the benchmark with `fork` as
// `_server.cjs <log file> [--spillway] [--correlation-only]`, with or without
// `-r @spillway/node/register -r ./_instrument.cjs`; `--spillway` bridges the logger with
// @spillway/pino (`--correlation-only` is read by _instrument.cjs). Over IPC: 'start' and 'stop' bound the timed
// window, answered with the process's CPU time and the requests served in it.
const http = require('node:http');
const api = require('@opentelemetry/api');
const pino = require('pino');

const destination = pino.destination({ dest: process.argv[2], sync: false });
let logger = pino({}, destination);
let bridge;
if (process.argv.includes('--spillway')) {
  const { SpillwayPinoBridge } = require('@spillway/pino');
  bridge = new SpillwayPinoBridge();
  logger = bridge.attach(logger);
}

let served = 0;
function handle(req, res) {
  const n = ++served;
  const log = logger.child({ reqId: n });
  log.info({ method: req.method, url: req.url }, 'request received');
  const rows = (n % 7) + 1;
  const body = JSON.stringify({
    id: n,
    rows: Array.from({ length: rows }, (_, i) => ({ i, sku: `sku-${i}`, qty: i + 1 })),
  });
  if (n % 10 === 0) log.warn({ table: 'orders', rows, ms: 180 }, 'slow query');
  else log.info({ table: 'orders', rows, ms: 3 }, 'query done');
  const failed = n % 200 === 0;
  res.writeHead(failed ? 500 : 200, { 'content-type': 'application/json' });
  res.end(body);
  if (failed) log.error({ status: 500, err: new Error('upstream timeout') }, 'request failed');
  else log.info({ status: 200, bytes: body.length }, 'request served');
}

const server = http.createServer((req, res) => {
  const ctx = api.propagation.extract(api.context.active(), req.headers);
  api.context.with(ctx, handle, undefined, req, res);
  req.resume();
});

// SPILLWAY_BENCH_PROFILE (a directory): a CPU profile of the timed window only (not start-up,
// module loading or the warm-up), written there as <config>.<pid>.cpuprofile.
const profileDir = process.env.SPILLWAY_BENCH_PROFILE;
let profiler;
if (profileDir) {
  profiler = new (require('node:inspector').Session)();
  profiler.connect();
  // 100 µs: the default 1 ms gives too few samples of a 6 s window at 1,000 req/s.
  profiler.post('Profiler.setSamplingInterval', { interval: 100 });
}

let window;
process.on('message', (m) => {
  if (m === 'start') {
    if (profiler) profiler.post('Profiler.enable', () => profiler.post('Profiler.start'));
    window = { cpu: process.cpuUsage(), served };
  } else if (m === 'stop') {
    const cpu = process.cpuUsage(window.cpu);
    if (profiler) {
      profiler.post('Profiler.stop', (err, r) => {
        if (err) return;
        const name = `${process.env.SPILLWAY_BENCH_CONFIG ?? 'server'}.${process.pid}.cpuprofile`;
        require('node:fs').writeFileSync(
          require('node:path').join(profileDir, name),
          JSON.stringify(r.profile),
        );
      });
    }
    let stats;
    try {
      stats = require('@spillway/node').getRegisteredPipeline()?.processor.getStats().sampling;
    } catch {
      stats = undefined;
    }
    process.send({
      cpuMicros: cpu.user + cpu.system,
      requests: served - window.served,
      offered: stats?.offered.total,
      kept: stats?.kept.total,
      bridge: bridge?.getStats(),
    });
  } else if (m === 'exit') {
    server.close();
    server.closeAllConnections();
    destination.flushSync();
    process.disconnect();
  }
});

server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
