// Everything kept, against pino writing a file (the setup users pick instead: pino, then an agent
// ships the file). 200,000 records of the benchmark generator (the issue's level mix: 75% INFO,
// 13% WARN, 4% ERROR, 1% FATAL, the rest DEBUG/TRACE; 90% in traces), emitted 1,000 per tick:
//   pino             — pino → pino.destination (async, sonic-boom), the anchor
//   sdk-floor        — the OTel SDK's LoggerProvider with a processor that does nothing: the cost
//                      of building the records (Logger.emit, LogRecordImpl, attribute checks),
//                      the floor of any processor; nothing is delivered (its "delivered" is the
//                      records the processor was handed)
//   main-floor       — the main thread's share of the spillway rows that no design moves off it:
//                      the SDK building each record, redaction (the default rules), the sampling
//                      processor keeping everything, and the WAL's encoding of every batch
//                      (encodeLogRecordBatch); the bytes are then dropped: no write, no send, no
//                      worker. Its CPU is the floor of the spillway rows' main thread ("delivered"
//                      is the records encoded)
//   stock            — BatchLogRecordProcessor (defaults) + OTLPLogExporter gRPC
//   spillway         — createLogRecordProcessorFromEnv with SPILLWAY_SAMPLING=all (sampling →
//                      WAL → OTLP gRPC, failing over to files), every record kept; the OTLP
//                      exporter in a worker thread (SPILLWAY_EXPORT_THREAD=worker; the default is main)
//   spillway-main    — the same with SPILLWAY_EXPORT_THREAD=main (the exporter on the event loop)
//   spillway-down, spillway-main-down — the same two with the collector down: the OTLP endpoint
//                      is a closed port (127.0.0.1:1), so every record goes through the WAL to the
//                      failover files (delivered = records written to them)
// each with the mix as is and with its FATAL records turned into ERROR ("no FATAL": every record
// delivered without FATAL write-throughs). The OTLP receiver (@spillway/testing) runs in its own
// process, so its CPU is not counted. Measured in the emitting process from the first emit until
// shutdown resolves: CPU (whole process; main thread too where Node has process.threadCpuUsage),
// records delivered (lines in the file, records at the receiver), peak RSS, event-loop delay p99
// and max (perf_hooks.monitorEventLoopDelay). One child process per cell, rounds interleaved in a
// shuffled order (bench/_shared.mjs), medians over rounds.
// Paced mode (SPILLWAY_BENCH_RATE=<records/s>, e.g. 20000): instead of 1,000 records per tick as
// fast as possible, a 10 ms interval timer emits what is due since the start (rate × 10 ms per
// tick, catching up after a late tick, as a service works off the requests queued meanwhile) for
// SPILLWAY_BENCH_SECONDS; loop delay is then measured over the emission only (1 ms resolution, the
// finest monitorEventLoopDelay takes), the drain after it excluded; CPU still runs to shutdown;
// beside it, the time the main thread waited for a core over the emission (Linux schedstat).
// Run: node bench/node/pino-anchor.bench.mjs [rounds] (after `npx turbo run build`).
// Knobs: SPILLWAY_BENCH_RECORDS (200000; paced: rate × seconds), SPILLWAY_BENCH_PER_TICK (1000),
// SPILLWAY_BENCH_RATE (0: burst), SPILLWAY_BENCH_SECONDS (10), SPILLWAY_BENCH_POOL (distinct
// records: all in burst mode, the rate in paced mode), SPILLWAY_BENCH_PROFILE (a directory: one
// CPU profile of the measured span per child, sampled every 250 µs so that tasks of a few ms show
// their frames), SPILLWAY_BENCH_CONFIGS (a comma-separated subset of the configurations below, in
// their order, e.g. pino,spillway,spillway-main; the goal tables need pino among them),
// SPILLWAY_BENCH_MIX (one mix only: "with FATAL" or "no FATAL"), SPILLWAY_BENCH_WARMUP (0: records
// emitted, 1,000 per tick, and delivered before the measured span, which then starts in a process
// whose code is compiled and whose heap has grown: the steady state of a service that has been
// running, where the default measures a process from its first emit, compilation included),
// SPILLWAY_BENCH_RECEIVER_DECODE (0: the receiver counts each request's records off the wire;
// 1: it decodes every record, as runs before 2026-12-02 07:20 did, and is then the bottleneck of
// the drain after a burst), SPILLWAY_BENCH_RECEIVER_NICE (0: the nice value of the OTLP
// receiver's process; 19 keeps it off the cores the measured process wants, as a collector on
// other machines would be: it then runs on what the measured process leaves idle),
// SPILLWAY_BENCH_SPILLWAY_ENV (extra environment of the spillway rows' pipeline, comma-separated
// NAME=value, e.g. SPILLWAY_REDACT=none).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import {
  configsKnob,
  emitPaced,
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

const RATE = knob('RATE', 0);
const PACED = RATE > 0;
const SECONDS = knob('SECONDS', 10);
const TICK_MS = 10;
const RECORDS = PACED ? RATE * SECONDS : knob('RECORDS', 200_000);
const PER_TICK = PACED ? (RATE * TICK_MS) / 1000 : knob('PER_TICK', 1_000);
// Distinct records generated before the measured span and emitted in turn: all of them in burst
// mode; one second's worth in paced mode, where a heap holding every record would make each
// major GC (and so the loop delay measured) longer than a service's.
const POOL = Math.min(RECORDS, knob('POOL', PACED ? RATE : RECORDS));
const WARMUP = knob('WARMUP', 0);
const RECEIVER_NICE = knob('RECEIVER_NICE', 0);
const SPILLWAY_ENV = spillwayEnvKnob();
const ALL_CONFIGS = [
  'pino',
  'sdk-floor',
  'main-floor',
  'stock',
  'spillway',
  'spillway-main',
  'spillway-down',
  'spillway-main-down',
];
const CONFIGS = configsKnob(ALL_CONFIGS);
const ALL_MIXES = ['with FATAL', 'no FATAL'];
const MIX = process.env.SPILLWAY_BENCH_MIX;
if (MIX !== undefined && !ALL_MIXES.includes(MIX)) throw new Error(`SPILLWAY_BENCH_MIX: ${MIX}?`);
const MIXES = MIX === undefined ? ALL_MIXES : [MIX];
const scenarios = CONFIGS.flatMap((config) => MIXES.map((mix) => ({ config, mix })));
const name = (s) => `${s.config}/${s.mix}`;
const LABELS = {
  pino: 'pino → pino.destination (anchor)',
  'sdk-floor': 'OTel SDK, no-op processor (the floor: records built, none delivered)',
  'main-floor': 'main-thread floor: SDK, redaction, sampling, WAL encode (bytes dropped)',
  stock: 'stock',
  spillway: 'spillway, exporter in a worker',
  'spillway-main': 'spillway, exporter on the main thread',
  'spillway-down': 'spillway, exporter in a worker, collector down',
  'spillway-main-down': 'spillway, exporter on the main thread, collector down',
};
const SPILLWAY_ROWS = CONFIGS.filter((c) => c.startsWith('spillway'));
const LEVEL_MIX = { trace: 0.02, debug: 0.05, info: 0.75, warn: 0.13, error: 0.04, fatal: 0.01 };
const PINO_LEVEL = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

/** The receiver process: prints its url, then answers each `count` line with its record count. */
async function receiverProcess() {
  const { OtlpGrpcLogsReceiver } = await import('@spillway/testing');
  // Counting, not decoding, each request (as a collector that keeps up would): a receiver that
  // decodes every record into objects takes a whole core here and paces the drain after a burst.
  const countOnly = knob('RECEIVER_DECODE', 0) === 0;
  const receiver = await new OtlpGrpcLogsReceiver({ countOnly }).start();
  process.stdout.write(`${receiver.url}\n`);
  let buf = '';
  process.stdin.on('data', (d) => {
    buf += d.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line === 'count') process.stdout.write(`${receiver.recordCount}\n`);
      if (line === 'stop') void receiver.stop().then(() => process.exit(0));
    }
  });
}

function startReceiver() {
  const proc = spawn(process.execPath, [fileURLToPath(import.meta.url), '--receiver'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  if (RECEIVER_NICE !== 0) setPriority(proc.pid, RECEIVER_NICE);
  const lines = [];
  let waiting;
  let buf = '';
  proc.stdout.on('data', (d) => {
    buf += d.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      lines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
    if (waiting && lines.length > 0) waiting(lines.shift());
  });
  const next = () =>
    new Promise((r) => {
      if (lines.length > 0) r(lines.shift());
      else waiting = r;
    });
  return {
    url: next(),
    async count() {
      proc.stdin.write('count\n');
      return Number(await next());
    },
    stop() {
      proc.stdin.write('stop\n');
    },
  };
}

/**
 * With SPILLWAY_BENCH_PROFILE=<dir>: a CPU profile of the measured span only (record generation
 * excluded), written to <dir>/<scenario>.cpuprofile by the function returned.
 */
async function startProfile() {
  const out = process.env.SPILLWAY_BENCH_PROFILE;
  if (!out) return undefined;
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 250 });
  await session.post('Profiler.start');
  return async (label) => {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(join(out, `${label}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  };
}

/**
 * The main-floor row's processor: what the spillway rows' main thread does to a record before any
 * write, with the pipeline's own settings (the same config reader and redaction options), every
 * record kept; each batch is encoded as the WAL encodes it and `encoded(n)` told, then dropped.
 */
async function mainFloorProcessor(dir, encoded) {
  const { readSpillwayConfig } = await import('@spillway/config');
  const { RedactingLogRecordProcessor, redactionOptionsOf } = await import('@spillway/redaction');
  const { SamplingLogRecordProcessor } = await import('@spillway/sampling');
  const { encodeLogRecordBatch } = await import('@spillway/disk-buffer');
  const { ExportResultCode } = await import('@opentelemetry/core');
  const { config } = readSpillwayConfig({
    SPILLWAY_SAMPLING: 'all',
    SPILLWAY_DIR: dir,
    OTEL_SERVICE_NAME: 'bench',
    ...SPILLWAY_ENV,
  });
  const encode = (records) => {
    encodeLogRecordBatch(records);
    encoded(records.length);
  };
  const redaction = new RedactingLogRecordProcessor({
    ...redactionOptionsOf(config.redaction),
    maxValueChars: config.maxValueChars,
  });
  const sampling = new SamplingLogRecordProcessor({
    exporter: {
      export(records, done) {
        encode(records);
        done({ code: ExportResultCode.SUCCESS });
      },
      exportSync: encode,
      forceFlush: async () => {},
      shutdown: async () => {},
    },
    maxQueueSize: config.maxQueueSize,
    maxExportBatchSize: config.maxExportBatchSize,
    scheduledDelayMillis: config.scheduledDelayMillis,
    exportTimeoutMillis: config.exportTimeoutMillis,
    maxQueueBytes: config.maxQueueBytes,
    keepAll: true,
  });
  return {
    onEmit(record, ctx) {
      redaction.onEmit(record, ctx);
      sampling.onEmit(record, ctx);
    },
    enabled: (options) => sampling.enabled(options),
    forceFlush: () => sampling.forceFlush(),
    shutdown: async () => {
      await sampling.shutdown();
      await redaction.shutdown();
    },
  };
}

async function child(s) {
  const { SyntheticRecordGenerator, toLogRecord } = await import('@spillway/testing');
  const mix = s.mix === 'with FATAL' ? LEVEL_MIX : { ...LEVEL_MIX, error: 0.05, fatal: 0 };
  const generated = new SyntheticRecordGenerator({ seed: 15, levelMix: mix }).take(POOL);
  const dir = mkdtempSync(join(tmpdir(), 'spillway-pino-anchor-'));
  let emit;
  let shutdown;
  let delivered;
  let receiver;
  let settle;
  let stats = () => ({});
  let live = stats; // the counts now, before shutdown
  if (s.config === 'pino') {
    const { default: pino } = await import('pino');
    const file = join(dir, 'app.log');
    const dest = pino.destination({ dest: file, sync: false });
    const logger = pino({ level: 'trace', base: { service: 'bench' } }, dest);
    const args = generated.map((g) => {
      const o = { ...g.attributes };
      if (g.spanContext) {
        o.trace_id = g.spanContext.traceId;
        o.span_id = g.spanContext.spanId;
      }
      return [PINO_LEVEL[(g.severityNumber - 1) >> 2] ?? 'info', o, g.body];
    });
    emit = (i) => {
      const [level, o, msg] = args[i % POOL];
      logger[level](o, msg);
    };
    shutdown = () =>
      new Promise((resolve) => {
        dest.once('close', resolve);
        dest.end();
      });
    // Lines in the file, counted in its bytes (no string of the whole file).
    delivered = async () => {
      const bytes = readFileSync(file);
      let n = 0;
      for (let at = bytes.indexOf(10); at !== -1; at = bytes.indexOf(10, at + 1)) n++;
      return n;
    };
    // Until every warm-up line is in the file (a flush writes what is buffered when no write is
    // in flight).
    settle = async () => {
      while ((await delivered()) < WARMUP)
        await new Promise((r) => setTimeout(() => dest.flush(r), 5));
    };
  } else {
    const floor = s.config === 'sdk-floor' || s.config === 'main-floor';
    const down = s.config.endsWith('-down');
    // Port 1 on the loopback: nothing listens there, so every connection is refused at once.
    let url = 'http://127.0.0.1:1';
    if (!down && !floor) {
      receiver = startReceiver();
      url = await receiver.url;
    }
    const { resourceFromAttributes } = await import('@opentelemetry/resources');
    const { BatchLogRecordProcessor, LoggerProvider } = await import('@opentelemetry/sdk-logs');
    let processor;
    let handed = 0;
    if (s.config === 'main-floor') {
      processor = await mainFloorProcessor(dir, (n) => {
        handed += n;
      });
    } else if (floor) {
      processor = {
        onEmit() {
          handed++;
        },
        forceFlush: async () => {},
        shutdown: async () => {},
      };
    } else if (s.config === 'stock') {
      const { OTLPLogExporter } = await import('@opentelemetry/exporter-logs-otlp-grpc');
      processor = new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url }) });
    } else {
      const { createLogRecordProcessorFromEnv } = await import('@spillway/node');
      processor = createLogRecordProcessorFromEnv({
        SPILLWAY_SAMPLING: 'all',
        SPILLWAY_DIR: dir,
        OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: url,
        OTEL_SERVICE_NAME: 'bench',
        // Shutdown drains the WAL for 60% of this bound (3 s by default), then leaves the rest
        // for the next start: on a loaded machine that cut delivery short, so allow a full drain.
        SPILLWAY_SHUTDOWN_TIMEOUT_MS: '600000',
        SPILLWAY_EXPORT_THREAD: s.config.startsWith('spillway-main') ? 'main' : 'worker',
        ...SPILLWAY_ENV,
      });
      stats = () => {
        const { diskBuffer: d, files } = processor.getStats();
        return {
          ...(d ? { fromMemory: d.recordsFromMemory, pending: d.recordsPending } : {}),
          toFiles: files?.recordsWritten ?? 0,
        };
      };
    }
    const provider = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': 'bench' }),
      processors: [processor],
    });
    const logger = provider.getLogger('bench');
    // Start-up outside the measured span, as the main-thread exporter's construction is: a
    // forceFlush waits for the export worker to have built its exporter.
    await processor.forceFlush();
    const records = generated.map((g) => toLogRecord(g));
    emit = (i) => logger.emit(records[i % POOL]);
    // Read after shutdown (the sender's last batches included), through the first function.
    const read = stats;
    let after;
    shutdown = async () => {
      await provider.shutdown();
      after = read();
    };
    stats = () => after ?? {};
    live = read;
    delivered = async () => {
      if (floor) return handed;
      return down ? (after ?? read()).toFiles : receiver.count();
    };
    // forceFlush makes the warm-up durable; delivery (to the receiver or the files) follows.
    settle = async () => {
      await processor.forceFlush();
      while ((await delivered()) < WARMUP) await new Promise((r) => setTimeout(r, 5));
    };
  }
  // The warm-up: emitted and delivered before the span, and not counted in it.
  for (let i = 0; i < WARMUP; i += PER_TICK) {
    for (let k = i; k < Math.min(WARMUP, i + PER_TICK); k++) emit(k);
    await new Promise((r) => setImmediate(r));
  }
  let warmedUp = 0;
  let before = {};
  if (WARMUP > 0) {
    await settle();
    warmedUp = await delivered();
    before = live();
  }
  const profile = await startProfile();
  const loop = monitorEventLoopDelay({ resolution: 1 });
  const hasThread = typeof process.threadCpuUsage === 'function';
  const rssStartMiB = process.memoryUsage.rss() / 2 ** 20;
  const wait0 = runQueueWaitMs();
  loop.enable();
  const threads0 = threadTicks();
  const c0 = process.cpuUsage();
  const t0 = hasThread ? process.threadCpuUsage() : undefined;
  const w0 = performance.now();
  let waitMs = Number.NaN;
  if (PACED) {
    await emitPaced(RECORDS, RATE, (i) => emit(WARMUP + i), TICK_MS);
    loop.disable();
    waitMs = runQueueWaitMs() - wait0;
  } else {
    for (let i = 0; i < RECORDS; i += PER_TICK) {
      const end = Math.min(RECORDS, i + PER_TICK);
      for (let k = i; k < end; k++) emit(WARMUP + k);
      await new Promise((r) => setImmediate(r));
    }
  }
  const emitMs = performance.now() - w0;
  await shutdown();
  const c = process.cpuUsage(c0);
  const t = hasThread ? process.threadCpuUsage(t0) : undefined;
  const threads = threadTicks();
  const wall = performance.now() - w0;
  if (!PACED) loop.disable();
  await profile?.(`${s.config}-${s.mix.replace(' ', '-')}`);
  const n = (await delivered()) - warmedUp;
  receiver?.stop();
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(
    JSON.stringify({
      cpuUs: c.user + c.system,
      mainUs: t ? t.user + t.system : null,
      wallMs: wall,
      emitMs,
      rssStartMiB,
      delivered: n,
      warmedUp,
      rssMiB: process.resourceUsage().maxRSS / 1024,
      p99Ms: loop.percentile(99) / 1e6,
      maxMs: loop.max / 1e6,
      runQueueWaitMs: waitMs,
      threadMs: threadMsSince(threads0, threads, (c.user + c.system) / 1000),
      // The span's own counts (the warm-up's taken off).
      ...Object.fromEntries(Object.entries(stats()).map(([k, v]) => [k, v - (before[k] ?? 0)])),
    }),
  );
}

/**
 * Time the main thread spent runnable but not running (waiting for a core: other threads and
 * processes had them) since it started, from Linux's schedstat; NaN elsewhere. Over the paced
 * emission it tells a loop delay that is the CPU's (preemption) from one that is the loop's own.
 */
function runQueueWaitMs() {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[1]) / 1e6;
  } catch {
    return Number.NaN;
  }
}

/**
 * Each spillway row against pino's in the same run: loop delay (goal 3, read in paced mode at
 * 20,000 records/s: p99 ≤ 1×, max ≤ 2×) and peak RSS (goal 5, read on the collector-down rows:
 * ≤ 1.2×); the RSS rise over the measured span beside it, as both hold the generated pool.
 */
function goalTable(mix, med) {
  const of = (config, f) => med(`${config}/${mix}`, f);
  const rise = (x) => x.rssMiB - x.rssStartMiB;
  // n/a where pino's figure is under 1 (MiB or ms: its RSS peaked before the span, a warm-up's
  // heap).
  const ratio = (config, f) =>
    of('pino', f) >= 1 ? `${(of(config, f) / of('pino', f)).toFixed(2)}×` : 'n/a';
  return table(
    [
      `against pino (${mix})`,
      'loop delay p99 (goal 3: ≤ 1×)',
      'loop delay max (goal 3: ≤ 2×)',
      'peak RSS (goal 5, collector down: ≤ 1.2×)',
      'RSS rise over the span',
    ],
    SPILLWAY_ROWS.map((config) => [
      LABELS[config],
      ratio(config, (x) => x.p99Ms),
      ratio(config, (x) => x.maxMs),
      ratio(config, (x) => x.rssMiB),
      ratio(config, rise),
    ]),
  );
}

/** Where each row's CPU went over the span: µs per delivered record, by thread. */
function threadTable(mix, med) {
  const names = ['MainThread', 'ended', 'V8Worker', 'libuv-worker'];
  const per = (config, f) =>
    med(`${config}/${mix}`, (x) => (f(x.threadMs ?? {}) * 1000) / x.delivered);
  return table(
    [
      `CPU µs per delivered record by thread (${mix})`,
      'main thread',
      'export worker (threads ended by shutdown)',
      'V8 helpers (GC, compiler)',
      'libuv threadpool',
      'other',
    ],
    CONFIGS.map((config) => [
      LABELS[config],
      ...names.map((n) => per(config, (t) => t[n] ?? 0).toFixed(2)),
      per(config, (t) => otherThreads(t, names)).toFixed(2),
    ]),
  );
}

function parent(rounds) {
  const run = shuffledRounds(import.meta.url, scenarios.map(name), rounds, { echoStderr: true });
  const results = new Map(
    scenarios.map((s, i) => [name(s), run.outputs[i].map((x) => JSON.parse(x))]),
  );
  const med = (key, f) => median(results.get(key).map(f));
  console.log(
    `${machine()}; load average (1 min) ${Math.min(...run.loads).toFixed(1)}–${Math.max(...run.loads).toFixed(1)} during the run; ${RECORDS.toLocaleString('en')} records, ${PACED ? `paced: ${RATE.toLocaleString('en')} records/s for ${SECONDS} s (${PER_TICK} every ${TICK_MS} ms; loop delay over the emission only)` : `${PER_TICK.toLocaleString('en')} per tick`}; ${RECEIVER_NICE !== 0 ? `the receiver at nice ${RECEIVER_NICE}; ` : ''}${Object.keys(SPILLWAY_ENV).length > 0 ? `spillway rows with ${JSON.stringify(SPILLWAY_ENV)}; ` : ''}${WARMUP > 0 ? `after a warm-up of ${WARMUP.toLocaleString('en')} records emitted and delivered in the same process, outside the measured span; ` : ''}median of ${rounds} shuffled rounds (one child process per cell; the OTLP receiver in its own process).\n`,
  );
  for (const mix of MIXES) {
    const pinoUs = med(`pino/${mix}`, (x) => x.cpuUs / x.delivered);
    const pinoMain = med(`pino/${mix}`, (x) => (x.mainUs ?? Number.NaN) / x.delivered);
    console.log(`Mix: ${mix}.\n`);
    console.log(
      table(
        [
          'configuration',
          'CPU µs per delivered record (process)',
          'ratio to pino',
          'main thread µs per delivered',
          'ratio to pino',
          'delivered',
          'from memory',
          'peak RSS MiB (before first emit)',
          'loop delay p99 / max ms',
          ...(PACED
            ? ['records/s achieved', 'last emit to shutdown s', 'main thread waiting for a core ms']
            : []),
        ],
        CONFIGS.map((config) => {
          const key = `${config}/${mix}`;
          const us = med(key, (x) => x.cpuUs / x.delivered);
          const main = med(key, (x) => (x.mainUs ?? Number.NaN) / x.delivered);
          const fromMemory = med(key, (x) => x.fromMemory ?? Number.NaN);
          const left = med(key, (x) => x.pending ?? 0);
          const toFiles = `${config.endsWith('-down') ? ' to files' : ''}${left > 0 ? ` (${left.toLocaleString('en')} left in the WAL)` : ''}`;
          return [
            LABELS[config],
            us.toFixed(2),
            `${(us / pinoUs).toFixed(2)}×`,
            Number.isNaN(main) ? 'n/a' : main.toFixed(2),
            Number.isNaN(main) ? 'n/a' : `${(main / pinoMain).toFixed(2)}×`,
            `${med(key, (x) => x.delivered).toLocaleString('en')}${toFiles}`,
            Number.isNaN(fromMemory) ? '–' : fromMemory.toLocaleString('en'),
            `${med(key, (x) => x.rssMiB).toFixed(0)} (${med(key, (x) => x.rssStartMiB).toFixed(0)})`,
            `${med(key, (x) => x.p99Ms).toFixed(1)} / ${med(key, (x) => x.maxMs).toFixed(1)}`,
            ...(PACED
              ? [
                  med(key, (x) => RECORDS / (x.emitMs / 1000)).toFixed(0),
                  med(key, (x) => (x.wallMs - x.emitMs) / 1000).toFixed(1),
                  med(key, (x) => x.runQueueWaitMs).toFixed(0),
                ]
              : []),
          ];
        }),
      ),
    );
    console.log('');
    console.log(threadTable(mix, med));
    console.log('');
    console.log(goalTable(mix, med));
    console.log('');
  }
  if (
    !results
      .values()
      .next()
      .value.some((x) => x.mainUs !== null)
  ) {
    console.log(
      `Main-thread CPU: n/a (process.threadCpuUsage needs Node ≥ 23.9; this run: ${process.version}).`,
    );
  }
}

if (process.argv[2] === '--receiver') await receiverProcess();
else if (process.argv[2] === '--child') await child(scenarios[Number(process.argv[3])]);
else parent(Number(process.argv[2] ?? 3));
