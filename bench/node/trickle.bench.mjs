// What a pipeline costs a service at a trickle of kept records: CPU per second of a process that
// emits RATE records/s (one at a time from a timer, as requests arrive), every one delivered to a
// real OTLP/gRPC receiver in another process (its CPU is not counted). At the defaults a service
// keeps ~1% of its INFO records, so a service logging 3 records a request at 1,000 req/s hands the
// pipeline ~20 kept records/s: this is the part of pino/http-service.bench.mjs's figure that does
// not scale with requests. Configurations:
//   SDK, no processor        — a LoggerProvider with no processor: the emit alone
//   BLRP + OTLP gRPC (stock) — BatchLogRecordProcessor + OTLPLogExporter (gRPC): the anchor
//   spillway                 — createLogRecordProcessorFromEnv, everything kept (SPILLWAY_SAMPLING=all):
//                              the sampling processor, the WAL (fsync interval:200), the failover
//                              router and the OTLP/gRPC exporter on the main thread (the default)
//   spillway, fsync never    — the same with SPILLWAY_FSYNC=never (no interval syncs)
//   spillway, worker         — the same with the exporter in a worker (SPILLWAY_EXPORT_THREAD=worker)
// Measured after a warm-up second (start-up excluded), over SECONDS: process CPU (user + system,
// all threads) per second, and per thread (Linux /proc, 10 ms ticks). Each child checks that every
// record it emitted reached the receiver. One child process per cell, shuffled interleaved rounds
// (bench/_shared.mjs), medians.
// Run: node bench/node/trickle.bench.mjs [rounds] (after `npx turbo run build`).
// Knobs: SPILLWAY_BENCH_RATE (20 records/s), SPILLWAY_BENCH_SECONDS (10), SPILLWAY_BENCH_CONFIGS
// (a subset of the configurations by name, separated by ";", the stock row among them),
// SPILLWAY_BENCH_SPILLWAY_ENV (extra environment of the spillway rows, comma-separated NAME=value).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  configsKnob,
  forkReceiver,
  knob,
  machine,
  median,
  otherThreads,
  shuffledRounds,
  spillwayEnvKnob,
  table,
  threadMsSince,
  threadTicks,
} from '../_shared.mjs';

const RATE = knob('RATE', 20);
const SECONDS = knob('SECONDS', 10);
const ALL_CONFIGS = [
  'SDK, no processor',
  'BLRP + OTLP gRPC (stock)',
  'spillway',
  'spillway, fsync never',
  'spillway, worker',
];
const CONFIGS = configsKnob(ALL_CONFIGS, { separator: ';', required: ALL_CONFIGS[1] });
const STOCK = CONFIGS.indexOf(ALL_CONFIGS[1]);

async function child(config) {
  const dir = mkdtempSync(join(tmpdir(), 'spillway-trickle-'));
  const receiver = await forkReceiver();
  const { ROOT_CONTEXT, TraceFlags, trace } = await import('@opentelemetry/api');
  const { resourceFromAttributes } = await import('@opentelemetry/resources');
  const { BatchLogRecordProcessor, LoggerProvider } = await import('@opentelemetry/sdk-logs');
  let processor;
  if (config === 'BLRP + OTLP gRPC (stock)') {
    const { OTLPLogExporter } = await import('@opentelemetry/exporter-logs-otlp-grpc');
    processor = new BatchLogRecordProcessor({
      exporter: new OTLPLogExporter({ url: receiver.url }),
    });
  } else if (config.startsWith('spillway')) {
    const { createLogRecordProcessorFromEnv } = await import('@spillway/node');
    processor = createLogRecordProcessorFromEnv({
      SPILLWAY_SAMPLING: 'all',
      SPILLWAY_DIR: dir,
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: receiver.url,
      OTEL_SERVICE_NAME: 'trickle',
      ...(config === 'spillway, fsync never' ? { SPILLWAY_FSYNC: 'never' } : {}),
      ...(config === 'spillway, worker' ? { SPILLWAY_EXPORT_THREAD: 'worker' } : {}),
      ...spillwayEnvKnob(),
    });
  }
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'trickle' }),
    processors: processor ? [processor] : [],
  });
  const logger = provider.getLogger('trickle');
  let n = 0;
  const emit = () => {
    const i = n++;
    logger.emit({
      severityNumber: 9,
      severityText: 'INFO',
      body: `request ${i} served in ${i % 37} ms`,
      attributes: {
        'http.route': '/orders/:id',
        'http.response.status_code': 200,
        'user.id': `u-${i % 97}`,
      },
      context: trace.setSpanContext(ROOT_CONTEXT, {
        traceId: (i * 2654435761 + 1).toString(16).padStart(32, '0').slice(-32),
        spanId: (i + 7).toString(16).padStart(16, '0'),
        traceFlags: TraceFlags.SAMPLED,
      }),
    });
  };
  // Records one at a time, RATE a second, for `seconds`.
  const trickle = (seconds) =>
    new Promise((resolve) => {
      const end = n + Math.round(RATE * seconds);
      const timer = setInterval(() => {
        emit();
        if (n >= end) {
          clearInterval(timer);
          resolve();
        }
      }, 1000 / RATE);
    });
  await processor?.forceFlush();
  await trickle(1);
  const threads0 = threadTicks();
  const c0 = process.cpuUsage();
  await trickle(SECONDS);
  const c = process.cpuUsage(c0);
  const threadMs = threadMsSince(threads0, threadTicks(), (c.user + c.system) / 1000);
  await provider.shutdown();
  const delivered = await receiver.count();
  receiver.stop();
  rmSync(dir, { recursive: true, force: true });
  if (processor && delivered !== n) throw new Error(`${config}: ${delivered} of ${n} delivered`);
  const perSecond = (ms) => ms / SECONDS;
  process.stdout.write(
    `${JSON.stringify({
      cpuMsPerSecond: perSecond((c.user + c.system) / 1000),
      threads: Object.fromEntries(Object.entries(threadMs).map(([k, ms]) => [k, perSecond(ms)])),
      emitted: n,
      delivered,
    })}\n`,
  );
}

function main() {
  const rounds = Number(process.argv[2] ?? 5);
  const { outputs, loads } = shuffledRounds(import.meta.url, CONFIGS, rounds);
  const results = outputs.map((runs) => runs.map((o) => JSON.parse(o)));
  const cpu = results.map((runs) => median(runs.map((r) => r.cpuMsPerSecond)));
  const names = ['MainThread', 'V8Worker', 'libuv-worker'];
  const thread = (runs, f) => median(runs.map((r) => f(r.threads))).toFixed(1);
  process.stdout.write(
    `${machine()}; ${RATE} records/s, one per timer tick, for ${SECONDS} s after 1 s; ${rounds} interleaved rounds, medians; load average ${loads.map((l) => l.toFixed(2)).join(' → ')}\n\n`,
  );
  process.stdout.write(
    `${table(
      [
        'configuration',
        'CPU ms per second',
        'ratio to stock',
        'main thread',
        'V8 helpers',
        'libuv threadpool',
        'other threads (the export worker; on Node 20, all but the main one)',
        'delivered (round 1)',
      ],
      CONFIGS.map((name, i) => [
        name,
        cpu[i].toFixed(2),
        (cpu[i] / cpu[STOCK]).toFixed(2),
        ...names.map((n) => thread(results[i], (t) => t[n] ?? 0)),
        thread(results[i], (t) => otherThreads(t, names)),
        name === ALL_CONFIGS[0] ? '—' : `${results[i][0].delivered} of ${results[i][0].emitted}`,
      ]),
    )}\n`,
  );
}

const i = process.argv.indexOf('--child');
if (i > 0) await child(CONFIGS[Number(process.argv[i + 1])]);
else main();
