// FATAL write-through: wall µs per `logger.emit` of a FATAL record through a real LoggerProvider,
// with D records queued in the processor before it (D = 0, 100, 1000):
//   BLRP           — BatchLogRecordProcessor, no-op exporter: the anchor (the FATAL is only queued)
//   sampling/<fsync> — SamplingLogRecordProcessor (all kept) → DiskBufferedLogRecordExporter at that
//                    fsync policy (collector down): the queue and the record are written to the WAL
//                    before `emit` returns
//   pwrite         — the syscall floor: the same loop (BLRP traffic, the same awaits), timing one
//                    bare `writeSync` of FRAME_BYTES to a file in place of the FATAL emit. The
//                    write-through cannot do less than one such write; on this VM any syscall
//                    after the event loop idled costs tens of µs, so the ratio to it is the figure
//                    that says what the path adds
// and the event-loop stall of one overflow `exportSync` of 2,048 records at each policy (what a full
// queue hands over). `always` is the path every policy took before (write + fdatasync).
// Each (scenario, depth) runs in its own child process; rounds run them in a shuffled order and the
// table gives medians over rounds of each child's medians. Both processors export only when told to
// (maxExportBatchSize 2048, scheduledDelayMillis 60 s), so D records really are queued; before each
// emit 100 records go out the usual way (warm code, as in a running app) and D are left queued,
// outside the timing. At `interval` (and `always`) that `forceFlush` waits for an fdatasync just
// before each timed FATAL, and the path runs colder after the wait: the same syscalls and the same
// profile shape as at `never`, every part slower (packages/disk-buffer/README.md, Benchmarks). In
// an app the event loop does not wait for the interval timer's syncs (they run on the threadpool).
// Run: node bench/disk-buffer/fatal-write-through.bench.mjs [rounds] (after `npx turbo run build`).
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shuffledRounds } from '../_shared.mjs';
import { knob, machine, median, table } from './_common.mjs';

const POLICIES = ['always', 'interval', 'never'];
const DEPTHS = [0, 100, 1000];
const EMITS = knob('FATAL_EMITS', 100);
// Untimed FATAL emits first: the FATAL path's own code (not run by ordinary traffic) warmed up.
const WARMUP = knob('FATAL_WARMUP', 200);
const STALL_CALLS = knob('FATAL_STALL_CALLS', 15);
// SPILLWAY_BENCH_FATAL_TRAFFIC: batches of 100 INFO records exported the usual way before the
// first FATAL: the state of a service that has been running, where the code shared with ordinary
// traffic (the SDK, the processor, the encoder) has reached V8's top tier. With the default 0,
// after the 200 warm-up rounds most of the path still runs as V8's mid tier (Maglev) compiled it.
const TRAFFIC = knob('FATAL_TRAFFIC', 0);
// About one encoded FATAL frame of the records below (frame header, resource, scope, record).
const FRAME_BYTES = 384;

const scenarios = [
  ...DEPTHS.map((depth) => ({ kind: 'emit', processor: 'BLRP', depth })),
  { kind: 'emit', processor: 'pwrite', depth: 0 },
  ...POLICIES.flatMap((fsync) =>
    DEPTHS.map((depth) => ({ kind: 'emit', processor: 'sampling', fsync, depth })),
  ),
  ...POLICIES.map((fsync) => ({ kind: 'stall', fsync })),
];
const name = (s) =>
  s.kind === 'stall'
    ? `stall/${s.fsync}`
    : `${s.processor}${s.fsync ? `/${s.fsync}` : ''}/${s.depth}`;

async function child(s) {
  const { ROOT_CONTEXT, TraceFlags, trace } = await import('@opentelemetry/api');
  const { resourceFromAttributes } = await import('@opentelemetry/resources');
  const { BatchLogRecordProcessor, LoggerProvider } = await import('@opentelemetry/sdk-logs');
  const { SamplingLogRecordProcessor } = await import('@spillway/sampling');
  const { DiskBufferedLogRecordExporter } = await import('@spillway/disk-buffer');
  const { recordBatches, unreachable } = await import('./_common.mjs');
  const noop = {
    export: (_r, cb) => cb({ code: 0 }),
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  const dir = mkdtempSync(join(tmpdir(), 'spillway-fatal-bench-'));
  const fsync = s.fsync === 'interval' ? { intervalMillis: 200 } : s.fsync;
  const disk = () =>
    new DiskBufferedLogRecordExporter({
      exporter: unreachable,
      directory: dir,
      fsync,
      maxDiskBytes: 4 * 1024 ** 3,
      retry: { initialMillis: 60_000, maxMillis: 60_000 },
    });
  const out = {};
  if (s.kind === 'stall') {
    const exporter = disk();
    const { batches } = recordBatches(2048 * (STALL_CALLS + 1), 2048);
    const ms = [];
    const cpu = [];
    for (const batch of batches) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      exporter.exportSync(batch);
      ms.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
      await new Promise((r) => setTimeout(r, 20)); // let the interval sync and the sender run
    }
    ms.shift(); // warm-up
    cpu.shift();
    out.stall = median(ms);
    out.cpu = median(cpu);
    out.max = Math.max(...ms);
    await exporter.shutdown();
  } else {
    const keepAll = {
      ratios: { trace: 1, debug: 1, info: 1, warn: 1, error: 1 },
      rateLimits: { warn: 0, error: 0 },
      traceSilenceAfter: 0,
    };
    const settings = { maxQueueSize: 4096, maxExportBatchSize: 2048, scheduledDelayMillis: 60_000 };
    const processor =
      s.processor !== 'sampling'
        ? new BatchLogRecordProcessor({ exporter: noop, ...settings })
        : new SamplingLogRecordProcessor({ exporter: disk(), ...keepAll, ...settings });
    const provider = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': 'bench' }),
      processors: [processor],
    });
    const logger = provider.getLogger('bench');
    const hex = (n, i) => (i * 2654435761 + 1).toString(16).padStart(8, '0').repeat(4).slice(0, n);
    const record = (i, severityNumber, severityText) => ({
      severityNumber,
      severityText,
      body: `${severityText} order ${i} processed by worker ${i % 7}: ${'x'.repeat(40 + (i % 120))}`,
      attributes: {
        'http.route': '/api/orders/:id',
        'http.status_code': 200,
        'user.id': `u-${i}`,
        'order.items': i % 9,
      },
      context: trace.setSpanContext(ROOT_CONTEXT, {
        traceId: hex(32, i),
        spanId: hex(16, i + 7),
        traceFlags: TraceFlags.SAMPLED,
      }),
    });
    const floor = s.processor === 'pwrite' ? openSync(join(dir, 'floor.bin'), 'w') : undefined;
    const frame = Buffer.alloc(FRAME_BYTES, 0x61);
    let at = 0;
    const us = [];
    const cpu = [];
    for (let k = 0; k < TRAFFIC; k++) {
      for (let i = 0; i < 100; i++) logger.emit(record(i, 9, 'INFO'));
      await processor.forceFlush();
    }
    for (let k = 0; k < WARMUP + EMITS; k++) {
      // Ordinary traffic first, exported the usual way (the encoder and the WAL path are warm, as
      // in a running app), then D records left queued, then the FATAL.
      for (let i = 0; i < 100; i++) logger.emit(record(i, 9, 'INFO'));
      await processor.forceFlush();
      for (let i = 0; i < s.depth; i++) logger.emit(record(i, 9, 'INFO'));
      const fatal = record(k, 21, 'FATAL');
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      if (floor === undefined) logger.emit(fatal);
      else at += writeSync(floor, frame, 0, FRAME_BYTES, at);
      const t = Number(process.hrtime.bigint() - t0) / 1000;
      const c = process.cpuUsage(c0);
      if (k >= WARMUP) {
        us.push(t);
        cpu.push(c.user + c.system);
      }
      await processor.forceFlush();
      await new Promise((r) => setImmediate(r));
    }
    out.us = median(us);
    // CPU µs (getrusage, 1 µs resolution): less sensitive than wall time to other jobs' load.
    out.cpu = median(cpu);
    out.p90 = [...us].sort((a, b) => a - b)[Math.floor(us.length * 0.9)];
    await provider.shutdown();
    if (floor !== undefined) closeSync(floor);
  }
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(JSON.stringify(out));
}

function parent(rounds) {
  const run = shuffledRounds(import.meta.url, scenarios.map(name), rounds);
  const results = new Map(
    scenarios.map((s, i) => [name(s), run.outputs[i].map((x) => JSON.parse(x))]),
  );
  const loads = run.loads;
  const med = (key, field) => median(results.get(key).map((x) => x[field]));
  console.log(
    `${machine()}; load average (1 min) ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} during the run; ${EMITS} timed FATAL emits per child after ${WARMUP} untimed${TRAFFIC > 0 ? ` and ${TRAFFIC.toLocaleString('en')} batches of 100 INFO records before them` : ''}, median of ${rounds} shuffled rounds (one child process per cell).\n`,
  );
  const rows = [['BLRP, no-op exporter (anchor)', undefined]];
  for (const f of POLICIES) rows.push([`Sampling → disk buffer, fsync ${f}`, f]);
  const cell = (key) =>
    `${med(key, 'us').toFixed(1)} / ${med(key, 'p90').toFixed(0)} / ${med(key, 'cpu').toFixed(0)}`;
  console.log(
    table(
      [
        'µs per FATAL emit: wall median / wall p90 / CPU median',
        ...DEPTHS.map((d) => `${d} queued`),
        'wall ratio to BLRP, empty queue',
        'wall ratio to a bare pwrite, empty queue',
      ],
      rows.map(([label, f]) => {
        const key = (d) => (f ? `sampling/${f}/${d}` : `BLRP/${d}`);
        return [
          label,
          ...DEPTHS.map((d) => cell(key(d))),
          `${(med(key(0), 'us') / med('BLRP/0', 'us')).toFixed(1)}×`,
          `${(med(key(0), 'us') / med('pwrite/0', 'us')).toFixed(1)}×`,
        ];
      }),
    ),
  );
  console.log(
    `\nThe syscall floor, one bare ${FRAME_BYTES}-byte writeSync in the same loop: ${cell('pwrite/0')} (wall median / p90 / CPU median µs).`,
  );
  console.log('');
  console.log(
    table(
      [
        'one overflow exportSync of 2,048 records',
        'wall median ms',
        'CPU median ms',
        'wall max ms (over rounds)',
      ],
      POLICIES.map((f) => [
        `fsync ${f}${f === 'always' ? ' (= every policy before)' : ''}`,
        med(`stall/${f}`, 'stall').toFixed(1),
        med(`stall/${f}`, 'cpu').toFixed(1),
        Math.max(...results.get(`stall/${f}`).map((x) => x.max)).toFixed(1),
      ]),
    ),
  );
}

if (process.argv[2] === '--child') await child(scenarios[Number(process.argv[3])]);
else parent(Number(process.argv[2] ?? 5));
