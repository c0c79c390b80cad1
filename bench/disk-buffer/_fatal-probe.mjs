// Probe (not a scenario): per-FATAL-emit cost in several loop shapes, for profiling and strace.
// node bench/disk-buffer/_fatal-probe.mjs <never|interval|always> <bench|warm|direct|raw> [n]
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { SamplingLogRecordProcessor } from '@spillway/sampling';
import { DiskBufferedLogRecordExporter } from '@spillway/disk-buffer';
import { unreachable } from './_common.mjs';

const [policy = 'never', mode = 'bench', nArg = '2000'] = process.argv.slice(2);
const N = Number(nArg);
const dir = mkdtempSync(join(tmpdir(), 'spillway-fatal-probe-'));
const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const pct = (a, p) => [...a].sort((x, y) => x - y)[Math.floor(a.length * p)];
if (mode === 'raw') {
  const fd = openSync(join(dir, 'x'), 'w');
  const buf = Buffer.alloc(330, 7);
  const us = [];
  for (let k = 0; k < N; k++) {
    const t0 = process.hrtime.bigint();
    writeSync(fd, buf, 0, buf.length, 32 + k * buf.length);
    us.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  closeSync(fd);
  console.log(`raw pwrite 330 B: median ${med(us).toFixed(2)} µs, p90 ${pct(us, 0.9).toFixed(2)}`);
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}
const fsync = policy === 'interval' ? { intervalMillis: 200 } : policy;
const exporter = new DiskBufferedLogRecordExporter({
  exporter: unreachable,
  directory: dir,
  fsync,
  maxDiskBytes: 4 * 1024 ** 3,
  retry: { initialMillis: 60_000, maxMillis: 60_000 },
});
const processor = new SamplingLogRecordProcessor({
  exporter,
  ratios: { trace: 1, debug: 1, info: 1, warn: 1, error: 1 },
  rateLimits: { warn: 0, error: 0 },
  traceSilenceAfter: 0,
  maxQueueSize: 4096,
  maxExportBatchSize: 2048,
  scheduledDelayMillis: 60_000,
});
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
const us = [];
const warm = 200;
for (let k = 0; k < N + warm; k++) {
  if (mode === 'bench') {
    for (let i = 0; i < 100; i++) logger.emit(record(i, 9, 'INFO'));
    await processor.forceFlush();
  }
  const fatal = record(k, 21, 'FATAL');
  const t0 = process.hrtime.bigint();
  logger.emit(fatal);
  const t = Number(process.hrtime.bigint() - t0) / 1000;
  if (k >= warm) us.push(t);
  if (mode === 'bench') {
    await processor.forceFlush();
    await new Promise((r) => setImmediate(r));
  } else if (k % 64 === 0) await new Promise((r) => setImmediate(r));
}
console.log(
  `${policy}/${mode}: ${N} FATAL emits, median ${med(us).toFixed(2)} µs, p10 ${pct(us, 0.1).toFixed(2)}, p90 ${pct(us, 0.9).toFixed(2)}`,
);
await provider.shutdown();
rmSync(dir, { recursive: true, force: true });
