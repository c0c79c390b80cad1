import { mkdtempSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
const require = createRequire(import.meta.url);
const fsc = require('node:fs');
const origWrite = fsc.writeSync;
globalThis.__T = {};
fsc.writeSync = function (...a) { if (!globalThis.__timing) return origWrite.apply(this, a); const t0 = process.hrtime.bigint(); try { return origWrite.apply(this, a); } finally { (globalThis.__T['fs.writeSync'] ??= []).push(Number(process.hrtime.bigint() - t0) / 1000); } };
syncBuiltinESMExports();
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const { ROOT_CONTEXT, TraceFlags, trace } = await import('@opentelemetry/api');
const { resourceFromAttributes } = await import('@opentelemetry/resources');
const { LoggerProvider } = await import('@opentelemetry/sdk-logs');
const { SamplingLogRecordProcessor } = await import('@spillway/sampling');
const { DiskBufferedLogRecordExporter } = await import('@spillway/disk-buffer');
const { unreachable } = await import('./_common.mjs');
const policy = process.argv[2] ?? 'never';
const dir = mkdtempSync(join(tmpdir(), 'spillway-probe-'));
const exporter = new DiskBufferedLogRecordExporter({ exporter: unreachable, directory: dir,
  fsync: policy === 'interval' ? { intervalMillis: 200 } : policy, maxDiskBytes: 4 * 1024 ** 3,
  retry: { initialMillis: 60_000, maxMillis: 60_000 } });
const processor = new SamplingLogRecordProcessor({ exporter, ratios: { trace: 1, debug: 1, info: 1, warn: 1, error: 1 },
  rateLimits: { warn: 0, error: 0 }, traceSilenceAfter: 0, maxQueueSize: 4096, maxExportBatchSize: 2048, scheduledDelayMillis: 60_000 });
const provider = new LoggerProvider({ resource: resourceFromAttributes({ 'service.name': 'bench' }), processors: [processor] });
const logger = provider.getLogger('bench');
const hex = (n, i) => (i * 2654435761 + 1).toString(16).padStart(8, '0').repeat(4).slice(0, n);
const record = (i, severityNumber, severityText) => ({ severityNumber, severityText,
  body: `${severityText} order ${i} processed by worker ${i % 7}: ${'x'.repeat(40 + (i % 120))}`,
  attributes: { 'http.route': '/api/orders/:id', 'http.status_code': 200, 'user.id': `u-${i}`, 'order.items': i % 9 },
  context: trace.setSpanContext(ROOT_CONTEXT, { traceId: hex(32, i), spanId: hex(16, i + 7), traceFlags: TraceFlags.SAMPLED }) });
const T = globalThis.__T;
const now = () => process.hrtime.bigint();
let timing = false;
function wrap(obj, name, label) {
  const f = obj[name];
  obj[name] = function (...a) { if (!timing) return f.apply(this, a); const t0 = now(); try { return f.apply(this, a); } finally { (T[label] ??= []).push(Number(now() - t0) / 1000); } };
}
wrap(processor, 'onEmit', 'onEmit');
wrap(exporter, 'exportSync', 'exportSync');
wrap(exporter.buffer.writer, 'appendSync', 'appendSync');
wrap(exporter.encoder, 'frames', 'frames(gen create)');
wrap(exporter.buffer.recent, 'add', 'recent.add');
wrap(exporter.buffer.cap, 'admit', 'cap.admit');
const mode = process.argv[3] ?? 'bench';
for (let k = 0; k < 1200; k++) {
  if (mode === 'bench') {
    for (let i = 0; i < 100; i++) logger.emit(record(i, 9, 'INFO'));
    await processor.forceFlush();
  }
  const fatal = record(k, 21, 'FATAL');
  timing = k >= 200; globalThis.__timing = timing;
  const t0 = now();
  logger.emit(fatal);
  if (timing) (T.emit ??= []).push(Number(now() - t0) / 1000);
  timing = false; globalThis.__timing = false;
  if (mode === 'bench') { await processor.forceFlush(); await new Promise((r) => setImmediate(r)); }
}
const med = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
for (const [k, v] of Object.entries(T)) console.log(k.padEnd(20), med(v).toFixed(1), 'µs median', v.length);
await provider.shutdown();
