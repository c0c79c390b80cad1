// Goal 4 of issue 15: CPU per request of an HTTP service whose pino logs go through spillway with
// its default sampling, against the same service without telemetry. The service (_server.cjs:
// node:http on 127.0.0.1, 3 pino records per request to a file, trace context from a
// `traceparent` header on 90% of requests) runs in its own process; this process is the load
// generator, at a fixed rate (keep-alive agent, requests sent on schedule, not when the previous
// one answered). Configurations:
//   none                     — no telemetry
//   register only            — -r @spillway/node/register, pino not bridged: the SDK's own cost
//                              (context manager, propagation), the floor of every row below
//   bridge                   — -r @spillway/node/register + instrumentation-pino sending logs
//                              (every line parsed back and built into a LogRecord), spillway defaults
//   spillway                 — register + instrumentation-pino for log correlation only
//                              (disableLogSending) + @spillway/pino, spillway defaults
//   spillway, no correlation — register + @spillway/pino, no instrumentation-pino
//   bridge, all / spillway, all — the same with SPILLWAY_SAMPLING=all (everything kept)
// The register's pipeline delivers to the OTLP gRPC receiver of @spillway/testing in another
// process (its CPU is not counted), SPILLWAY_DIR in a temporary folder. Measured in the server
// over the timed window (after a warm-up): CPU time (process.cpuUsage: user + system, all threads)
// per request served, and by thread (read from /proc/<pid>/task by the generator: 10 ms ticks);
// at the generator, latency p99 from send to the response's end. One child
// process per cell, rounds interleaved in a shuffled order (bench/_shared.mjs), medians.
// Run: node bench/pino/http-service.bench.mjs [rounds] (after `npx turbo run build`). On the shared
// 2-core machine the published figures come from, 3,000 req/s saturated the server with telemetry
// on: they were taken with SPILLWAY_BENCH_RATE=1000.
// Knobs: SPILLWAY_BENCH_RATE (3000 req/s), SPILLWAY_BENCH_SECONDS (5), SPILLWAY_BENCH_WARMUP (1.5 s),
// SPILLWAY_BENCH_PROFILE (a directory: a CPU profile of each server process's timed window),
// SPILLWAY_BENCH_CONFIGS (a subset of the configurations, below).
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  configsKnob,
  forkReceiver,
  knob,
  machine,
  median,
  message,
  otherThreads,
  shuffledRounds,
  table,
  threadMsSince,
  threadTicks,
} from '../_shared.mjs';

const RATE = knob('RATE', 3000);
const SECONDS = knob('SECONDS', 5);
const WARMUP = knob('WARMUP', 1.5);
const here = fileURLToPath(new URL('.', import.meta.url));
const REGISTER = ['-r', '@spillway/node/register'];
const INSTRUMENT = ['-r', join(here, '_instrument.cjs')];
const SPILLWAY = ['--spillway', '--correlation-only'];
const ALL = { SPILLWAY_SAMPLING: 'all' };
const ALL_CONFIGS = [
  { name: 'none', execArgv: [], args: [], env: {} },
  { name: 'register only', execArgv: REGISTER, args: [], env: {} },
  { name: 'bridge', execArgv: [...REGISTER, ...INSTRUMENT], args: [], env: {} },
  { name: 'spillway', execArgv: [...REGISTER, ...INSTRUMENT], args: SPILLWAY, env: {} },
  { name: 'spillway, no correlation', execArgv: REGISTER, args: ['--spillway'], env: {} },
  { name: 'bridge, all', execArgv: [...REGISTER, ...INSTRUMENT], args: [], env: ALL },
  { name: 'spillway, all', execArgv: [...REGISTER, ...INSTRUMENT], args: SPILLWAY, env: ALL },
];
// SPILLWAY_BENCH_CONFIGS: a subset of the names above, separated by ";" (names hold commas), with
// "none" among them (the ratios are to it), e.g. "none;register only;spillway, no correlation".
const picked = configsKnob(
  ALL_CONFIGS.map((c) => c.name),
  { separator: ';', required: 'none' },
);
const CONFIGS = ALL_CONFIGS.filter((c) => picked.includes(c.name));

/** Requests at `rate`/s for `seconds`; latencies (ms) of those sent after `measureFrom`. */
function load(port, seconds, onTick) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const latencies = [];
  let sent = 0;
  let done = 0;
  let errors = 0;
  let measuring = false;
  const start = performance.now();
  return new Promise((resolve) => {
    const send = () => {
      const headers = {};
      if (sent % 10 !== 0) {
        headers.traceparent = `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
      }
      const measured = measuring;
      const t0 = performance.now();
      sent++;
      const req = http.get(
        { agent, host: '127.0.0.1', port, path: `/orders/${sent}`, headers },
        (res) => {
          res.resume();
          res.on('end', () => {
            done++;
            if (measured) latencies.push(performance.now() - t0);
          });
        },
      );
      req.on('error', () => errors++);
    };
    const tick = () => {
      const elapsed = (performance.now() - start) / 1000;
      measuring = onTick(elapsed);
      if (elapsed >= seconds) {
        const wait = () => {
          if (done + errors >= sent) {
            agent.destroy();
            resolve({ latencies, sent, done, errors });
          } else setTimeout(wait, 5);
        };
        wait();
        return;
      }
      const due = Math.floor(elapsed * RATE);
      while (sent < due) send();
      setTimeout(tick, 1);
    };
    tick();
  });
}

async function child(config) {
  const dir = mkdtempSync(join(tmpdir(), 'spillway-pino-http-'));
  let receiver;
  const env = {
    ...process.env,
    SPILLWAY_DIR: join(dir, 'spillway'),
    OTEL_SERVICE_NAME: 'pino-http-bench',
    OTEL_TRACES_EXPORTER: 'none',
    OTEL_METRICS_EXPORTER: 'none',
    ...config.env,
  };
  if (config.execArgv.length > 0) {
    receiver = await forkReceiver();
    env.OTEL_EXPORTER_OTLP_LOGS_ENDPOINT = receiver.url;
  }
  const server = fork(join(here, '_server.cjs'), [join(dir, 'app.log'), ...config.args], {
    execArgv: config.execArgv,
    env: { ...env, SPILLWAY_BENCH_CONFIG: config.name.replace(/[^a-z]+/g, '-') },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const { port } = await message(server, 'port');
  let phase = 'warmup';
  let stopped;
  let threads0;
  const result = await load(port, WARMUP + SECONDS, (elapsed) => {
    if (phase === 'warmup' && elapsed >= WARMUP) {
      phase = 'measure';
      threads0 = threadTicks(server.pid);
      server.send('start');
    } else if (phase === 'measure' && elapsed >= WARMUP + SECONDS) {
      phase = 'done';
      stopped = message(server, 'cpuMicros');
      server.send('stop');
    }
    return phase === 'measure';
  });
  const window = await stopped;
  const threadMs = threadMsSince(threads0, threadTicks(server.pid), window.cpuMicros / 1000);
  const exited = new Promise((r) => server.once('exit', r));
  server.send('exit');
  await exited;
  let delivered;
  if (receiver) {
    delivered = await receiver.count();
    receiver.stop();
  }
  rmSync(dir, { recursive: true, force: true });
  const sorted = result.latencies.sort((a, b) => a - b);
  process.stdout.write(
    `${JSON.stringify({
      cpuPerRequest: window.cpuMicros / window.requests,
      rate: window.requests / SECONDS,
      p99: sorted[Math.floor(sorted.length * 0.99)] ?? Number.NaN,
      errors: result.errors,
      kept: window.kept,
      offered: window.offered,
      bridge: window.bridge,
      delivered,
      threadUsPerRequest: Object.fromEntries(
        Object.entries(threadMs).map(([k, ms]) => [k, (ms * 1000) / window.requests]),
      ),
    })}\n`,
  );
}

async function main() {
  const rounds = Number(process.argv[2] ?? 5);
  const names = CONFIGS.map((c) => c.name);
  const { outputs, loads } = shuffledRounds(import.meta.url, names, rounds);
  const results = outputs.map((runs) => runs.map((o) => JSON.parse(o)));
  const cpu = results.map((runs) => median(runs.map((r) => r.cpuPerRequest)));
  const rows = CONFIGS.map((c, i) => {
    const runs = results[i];
    const kept = !runs[0].offered ? '—' : `${((100 * runs[0].kept) / runs[0].offered).toFixed(2)}%`;
    return [
      c.name,
      cpu[i].toFixed(1),
      (cpu[i] / cpu[0]).toFixed(2),
      median(runs.map((r) => r.p99)).toFixed(2),
      median(runs.map((r) => r.rate)).toFixed(0),
      kept,
    ];
  });
  process.stdout.write(
    `${machine()}; ${RATE} req/s for ${SECONDS} s after ${WARMUP} s warm-up, 3 pino records per request; ${rounds} interleaved rounds, medians; load average ${loads.map((l) => l.toFixed(2)).join(' → ')}\n\n`,
  );
  const threadNames = ['MainThread', 'V8Worker', 'libuv-worker'];
  const perThread = (runs, f) => median(runs.map((r) => f(r.threadUsPerRequest ?? {}))).toFixed(1);
  const threadRows = CONFIGS.map((c, i) => [
    c.name,
    ...threadNames.map((n) => perThread(results[i], (t) => t[n] ?? 0)),
    perThread(results[i], (t) => otherThreads(t, threadNames)),
  ]);
  process.stdout.write(
    `${table(
      [
        'configuration',
        'server CPU µs / request',
        'ratio to none',
        'p99 ms',
        'req/s served',
        'records kept (round 1)',
      ],
      rows,
    )}\n\n${table(
      [
        'server CPU µs / request by thread',
        'main thread',
        'V8 helpers (GC, compiler)',
        'libuv threadpool',
        'other threads (on Node 20, all but the main one)',
      ],
      threadRows,
    )}\n`,
  );
}

const i = process.argv.indexOf('--child');
if (i > 0) await child(CONFIGS[Number(process.argv[i + 1])]);
else await main();
