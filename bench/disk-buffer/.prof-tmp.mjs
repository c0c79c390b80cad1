import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { SamplingLogRecordProcessor } from '@spillway/sampling';
import { DiskBufferedLogRecordExporter } from '@spillway/disk-buffer';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const unreachable = { export: (_r, cb) => cb({ code: 1, error: new Error('down') }), shutdown: async () => {}, forceFlush: async () => {} };
const policy = process.argv[2] ?? 'never';
const exporter = new DiskBufferedLogRecordExporter({ exporter: unreachable, directory: mkdtempSync(join(tmpdir(), 'fwp-')), fsync: policy === 'interval' ? { intervalMillis: 200 } : policy, retry: { initialMillis: 60000, maxMillis: 60000 } });
const processor = new SamplingLogRecordProcessor({ exporter, ratios: { info: 1 }, maxExportBatchSize: 2048, scheduledDelayMillis: 60000 });
const provider = new LoggerProvider({ resource: resourceFromAttributes({ 'service.name': 'b' }), processors: [processor] });
const logger = provider.getLogger('b');
const es = exporter.exportSync.bind(exporter);
let esT = [];
exporter.exportSync = (r) => { const t = process.hrtime.bigint(); es(r); esT.push(Number(process.hrtime.bigint() - t) / 1000); };
const us = [];
for (let k = 0; k < 3000; k++) {
  const t0 = process.hrtime.bigint();
  logger.emit({ severityNumber: 21, severityText: 'FATAL', body: `fatal ${k} ${'x'.repeat(80)}`, attributes: { a: k, b: 'x', c: true } });
  us.push(Number(process.hrtime.bigint() - t0) / 1000);
  if (k % 10 === 0) await new Promise((r) => setImmediate(r));
}
const med = (x) => [...x].sort((a, b) => a - b)[x.length >> 1];
console.log(policy, 'emit median', med(us.slice(500)).toFixed(1), 'exportSync median', med(esT.slice(500)).toFixed(1));
await provider.shutdown();
