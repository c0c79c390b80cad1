import { DiskBufferedLogRecordExporter } from '@spillway/disk-buffer';
import { normalizeLogRecords } from '@spillway/record-format';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordBatches } from './_common.mjs';
const unreachable = { export: (_r, cb) => cb({ code: 1, error: new Error('down') }), shutdown: async () => {}, forceFlush: async () => {} };
const exporter = new DiskBufferedLogRecordExporter({ exporter: unreachable, directory: mkdtempSync(join(tmpdir(), 'fwp-')), fsync: 'never', retry: { initialMillis: 60000, maxMillis: 60000 } });
const { batches } = recordBatches(2000, 1);
console.log(JSON.stringify(batches[0][0].resource.attributes), batches[0][0].body.length, Object.keys(batches[0][0].attributes).length);
const time = (label, f) => { const t = process.cpuUsage(); const n = 20000; for (let i = 0; i < n; i++) f(i); const c = process.cpuUsage(t); console.log(label, ((c.user + c.system) / n).toFixed(2), 'µs cpu'); };
for (let r = 0; r < 2; r++) {
time('encode', (i) => exporter.encode(batches[i % 2000]));
time('normalize', (i) => normalizeLogRecords(batches[i % 2000], exporter.substituted));
time('exportSync', (i) => exporter.exportSync(batches[i % 2000]));
}
process.exit(0);
