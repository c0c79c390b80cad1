// The overflow path: CPU ns per `logger.emit` during a synchronous burst that overfills the
// processor's queue (50,000 INFO records with 3 attributes and a trace context, no FATAL), and the
// event-loop stall of one overflow write:
//   (a) BatchLogRecordProcessor, no-op exporter         — the anchor (drops past 2,048 queued)
//   (b) SamplingLogRecordProcessor, all kept, real DiskBufferedLogRecordExporter (fsync
//       interval:200) — the overflow goes to the WAL, nothing is dropped
//   (c) SamplingLogRecordProcessor, all kept, an exporter whose exportSync does nothing — the
//       processor's own share of (b)
// Each measurement runs in its own child process; rounds run the three in a shuffled order and the
// table gives medians over rounds. In a child: one warm-up burst, then 3 timed bursts (CPU time,
// process.cpuUsage), each followed by forceFlush outside the timing. The stall is the wall time of
// each exportSync call the processor makes in (b) (median and max over all of them).
// Run: node bench/sampling/overflow.bench.mjs [rounds] (after `npx turbo run build`).
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, shuffledRounds } from '../_shared.mjs';

const SCENARIOS = [
  '(a) BatchLogRecordProcessor, no-op exporter',
  '(b) Sampling (all kept) → DiskBufferedLogRecordExporter',
  '(c) Sampling (all kept), no-op exportSync',
];
const RECORDS = 50_000;
const POOL = 256;

async function child(index) {
  const { ROOT_CONTEXT, TraceFlags, trace } = await import('@opentelemetry/api');
  const { ExportResultCode } = await import('@opentelemetry/core');
  const { resourceFromAttributes } = await import('@opentelemetry/resources');
  const { BatchLogRecordProcessor, LoggerProvider } = await import('@opentelemetry/sdk-logs');
  const { SamplingLogRecordProcessor } = await import('@spillway/sampling');
  const { DiskBufferedLogRecordExporter } = await import('@spillway/disk-buffer');
  const noop = {
    export: (_records, done) => done({ code: ExportResultCode.SUCCESS }),
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  const stalls = [];
  const dir = mkdtempSync(join(tmpdir(), 'spillway-overflow-bench-'));
  let exporter = noop;
  if (index === 1) {
    exporter = new DiskBufferedLogRecordExporter({ exporter: noop, directory: dir });
    const exportSync = exporter.exportSync.bind(exporter);
    exporter.exportSync = (records) => {
      const t0 = performance.now();
      exportSync(records);
      stalls.push(performance.now() - t0);
    };
  } else if (index === 2) {
    exporter = { ...noop, exportSync: () => {} };
  }
  const keepAll = {
    ratios: { trace: 1, debug: 1, info: 1, warn: 1, error: 1 },
    rateLimits: { warn: 0, error: 0 },
    traceSilenceAfter: 0,
  };
  const processor =
    index === 0
      ? new BatchLogRecordProcessor({ exporter })
      : new SamplingLogRecordProcessor({ exporter, ...keepAll });
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
  const burst = () => {
    const t0 = process.cpuUsage();
    for (let j = 0; j < RECORDS; j++) logger.emit(records[j & (POOL - 1)]);
    const t = process.cpuUsage(t0);
    return ((t.user + t.system) * 1000) / RECORDS;
  };
  burst();
  await processor.forceFlush();
  stalls.length = 0;
  const ns = [];
  for (let k = 0; k < 3; k++) {
    ns.push(burst());
    await processor.forceFlush();
  }
  await provider.shutdown();
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(
    JSON.stringify({
      ns: median(ns),
      stall: stalls.length ? median(stalls) : 0,
      max: Math.max(0, ...stalls),
    }),
  );
}

function parent(rounds) {
  const results = shuffledRounds(import.meta.url, SCENARIOS, rounds).outputs.map((xs) =>
    xs.map((x) => JSON.parse(x)),
  );
  const anchor = median(results[0].map((x) => x.ns));
  console.log(
    `Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, ${new Date().toISOString().slice(0, 10)}; bursts of ${RECORDS.toLocaleString('en')} INFO records (3 attributes, trace context), median of ${rounds} shuffled rounds (one child process each).\n`,
  );
  console.log(
    '| scenario | CPU ns per emit (median) | min – max | ratio to (a) | one overflow write: median / max ms |',
  );
  console.log('|---|---:|---:|---:|---:|');
  SCENARIOS.forEach((name, i) => {
    const xs = results[i].map((x) => x.ns);
    const m = median(xs);
    const stall =
      i === 1
        ? `${median(results[i].map((x) => x.stall)).toFixed(1)} / ${Math.max(...results[i].map((x) => x.max)).toFixed(1)}`
        : '–';
    console.log(
      `| ${name} | ${m.toFixed(0)} | ${Math.min(...xs).toFixed(0)} – ${Math.max(...xs).toFixed(0)} | ${(m / anchor).toFixed(2)}× | ${stall} |`,
    );
  });
}

if (process.argv[2] === '--child') await child(Number(process.argv[3]));
else parent(Number(process.argv[2] ?? 7));
