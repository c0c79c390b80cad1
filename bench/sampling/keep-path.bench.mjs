// The keep path's emit cost: CPU ns per `logger.emit` through a real LoggerProvider when every
// record is kept (INFO records with 3 attributes and a trace context, 256 distinct traces cycled):
//   (a) BatchLogRecordProcessor, no-op exporter            — the anchor
//   (b) a processor whose onEmit does nothing              — the floor: the SDK's own record
//                                                            construction (Logger.emit, LogRecordImpl)
//   (c) SamplingLogRecordProcessor { keepAll: true }, no-op exporter — the processor's own cost
//       (deciding, normalising, estimating, queueing, batching) against (a)
//   (d) BatchLogRecordProcessor → DiskBufferedLogRecordExporter
//   (e) SamplingLogRecordProcessor { keepAll: true } → DiskBufferedLogRecordExporter
//   (f) a processor whose onEmit only runs the boundary check every spillway processor runs on a
//       record it keeps (cleanLogRecord: the hostile-input normalisation, which returns the record
//       itself when it is clean, as here) — what the check alone costs over the floor (b), against
//       what the batch processor's whole work costs over it, (a) − (b)
// (d) and (e) put the real WAL behind both. A chunk of emits there is followed by the processor's
// forceFlush, inside the timing: the WAL's encoding, writes and syncs are counted for both, and
// neither processor's queue overfills (without it the batch processor drops half the records
// while ours hands them to the WAL, and the rows would compare different work).
// Each measurement runs in its own child process (one processor class per process, as in an app);
// rounds run the scenarios in a shuffled order, so load from other processes falls on all of them;
// the tables give medians over rounds. In a child: chunks of 1,000 emits with an event-loop turn
// between chunks (exports run, as in a live service), one warm-up pass, then the median of 3 timed
// passes, CPU time (process.cpuUsage) of the emit loops, and of the whole pass (turns included).
// Run: node bench/sampling/keep-path.bench.mjs [rounds] (after `npx turbo run build`).
// Profile one scenario: node --cpu-prof bench/sampling/keep-path.bench.mjs --child <index>
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { machine, median, shuffledRounds, table } from '../_shared.mjs';

const SCENARIOS = [
  '(a) BatchLogRecordProcessor, no-op exporter',
  '(b) no-op processor (SDK record construction: the floor)',
  '(c) Sampling keepAll, no-op exporter',
  '(d) BatchLogRecordProcessor → DiskBufferedLogRecordExporter',
  '(e) Sampling keepAll → DiskBufferedLogRecordExporter',
  '(f) normalisation check only (cleanLogRecord), nothing queued',
];
const RECORDS = 200_000;
const POOL = 256;
const CHUNK = 1_000;

async function child(index) {
  const { ROOT_CONTEXT, TraceFlags, trace } = await import('@opentelemetry/api');
  const { ExportResultCode } = await import('@opentelemetry/core');
  const { resourceFromAttributes } = await import('@opentelemetry/resources');
  const { BatchLogRecordProcessor, LoggerProvider } = await import('@opentelemetry/sdk-logs');
  const { SamplingLogRecordProcessor } = await import('@spillway/sampling');
  const { DiskBufferedLogRecordExporter } = await import('@spillway/disk-buffer');
  const { cleanLogRecord, emptySubstitutionCounts } = await import('@spillway/record-format');
  const noop = {
    export: (_records, done) => done({ code: ExportResultCode.SUCCESS }),
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  const disk = index === 3 || index === 4;
  const dir = disk ? mkdtempSync(join(tmpdir(), 'spillway-keep-path-bench-')) : undefined;
  const exporter = disk
    ? new DiskBufferedLogRecordExporter({ exporter: noop, directory: dir })
    : noop;
  const processor = [
    () => new BatchLogRecordProcessor({ exporter }),
    () => ({ onEmit() {}, forceFlush: async () => {}, shutdown: async () => {} }),
    () => new SamplingLogRecordProcessor({ exporter, keepAll: true }),
    () => new BatchLogRecordProcessor({ exporter }),
    () => new SamplingLogRecordProcessor({ exporter, keepAll: true }),
    () => {
      const counts = emptySubstitutionCounts();
      let clean = 0;
      return {
        onEmit(record) {
          if (cleanLogRecord(record, counts) === record) clean++;
        },
        forceFlush: async () => {
          if (clean === 0) throw new Error('no record passed the check as it is');
        },
        shutdown: async () => {},
      };
    },
  ][index]();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'bench' }),
    processors: [processor],
  });
  const logger = provider.getLogger('bench');
  const hex = (n, i) => (i * 2654435761).toString(16).padStart(8, '0').repeat(4).slice(0, n);
  const records = Array.from({ length: POOL }, (_, i) => ({
    severityNumber: 9,
    severityText: 'INFO',
    body: `GET /api/orders/${i} 200 in ${i % 50} ms`,
    attributes: { 'http.route': '/api/orders/:id', 'http.status_code': 200, 'user.id': `u-${i}` },
    context: trace.setSpanContext(ROOT_CONTEXT, {
      traceId: hex(32, i + 1),
      spanId: hex(16, i + 7),
      traceFlags: TraceFlags.SAMPLED,
    }),
  }));
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  // Two clocks per pass: the emit loops alone (what the caller of emit pays), and the whole pass,
  // the event-loop turns between chunks included (everything each processor does for a record,
  // wherever it does it: batch work in timers and callbacks counts too).
  const pass = async () => {
    let us = 0;
    const all0 = process.cpuUsage();
    for (let i = 0; i < RECORDS; i += CHUNK) {
      const t0 = process.cpuUsage();
      for (let j = i; j < i + CHUNK; j++) logger.emit(records[j & (POOL - 1)]);
      if (disk) await processor.forceFlush();
      const t = process.cpuUsage(t0);
      us += t.user + t.system;
      await turn();
    }
    await processor.forceFlush();
    const all = process.cpuUsage(all0);
    return [(us * 1000) / RECORDS, ((all.user + all.system) * 1000) / RECORDS];
  };
  await pass(); // JIT warm-up
  const ns = [];
  for (let k = 0; k < 3; k++) ns.push(await pass());
  await provider.shutdown();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  ns.sort((x, y) => x[0] - y[0]);
  process.stdout.write(JSON.stringify(ns[1]));
}

function parent(rounds) {
  const run = shuffledRounds(import.meta.url, SCENARIOS, rounds);
  const outputs = run.outputs.map((xs) => xs.map((x) => JSON.parse(x)));
  const loads = run.loads;
  console.log(
    `${machine()}; load average (1 min) ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} during the run; ${RECORDS.toLocaleString('en')} INFO records (3 attributes, trace context) per pass, median of ${rounds} shuffled rounds (one child process each).\n`,
  );
  for (const [clock, title] of [
    [0, 'CPU of the emit loops (what the caller of emit pays)'],
    [1, 'CPU of the whole pass (emit loops and the turns between them: all the processor does)'],
  ]) {
    const results = outputs.map((xs) => xs.map((x) => x[clock]));
    const anchor = median(results[0]);
    const diskAnchor = median(results[3]);
    // Two ratios: of the medians, and the median of each round's own ratio (the scenarios of a
    // round ran back to back, under about the same load: the steadier of the two on a shared machine).
    const rows = SCENARIOS.map((name, i) => {
      const xs = results[i];
      const m = median(xs);
      const onDisk = i === 3 || i === 4;
      const a = onDisk ? 3 : 0;
      const base = onDisk ? diskAnchor : anchor;
      const paired = median(xs.map((x, r) => x / results[a][r]));
      return [
        name,
        m.toFixed(0),
        `${Math.min(...xs).toFixed(0)} – ${Math.max(...xs).toFixed(0)}`,
        `${(m / base).toFixed(2)}×`,
        `${paired.toFixed(2)}×`,
      ];
    });
    console.log(`${title}:\n`);
    console.log(
      table(
        [
          'scenario',
          'CPU ns per record (median)',
          'min – max',
          'ratio of medians to (a) / (d)',
          'median of per-round ratios',
        ],
        rows,
      ),
    );
    console.log();
  }
}

if (process.argv[2] === '--child') await child(Number(process.argv[3]));
else parent(Number(process.argv[2] ?? 9));
