import { DiskBufferedLogRecordExporter } from '@spillway/disk-buffer';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resourceFromAttributes } from '@opentelemetry/resources';
const dir = mkdtempSync(join(tmpdir(), 'spw-probe-'));
const down = { export: (r, cb) => cb({ code: 0 }), shutdown: async () => {}, forceFlush: async () => {} };
const res = resourceFromAttributes({ 'service.name': 'p' });
const rec = (i) => ({ hrTime: [1, i], hrTimeObserved: [1, i], severityNumber: 9, severityText: 'INFO', body: `record ${i}`, attributes: { 'test.id': i, a: 'value-a', b: 42 }, resource: res, instrumentationScope: { name: 's' }, droppedAttributesCount: 0 });
for (const n of [512, 1024, 2048, 4096]) {
  const batch = Array.from({ length: n }, (_, i) => rec(i));
  const d = new DiskBufferedLogRecordExporter({ exporter: down, directory: join(dir, String(n)), fsync: { intervalMillis: 200 } });
  for (let k = 0; k < 5; k++) d.exportSync(batch);
  const t = [];
  for (let k = 0; k < 41; k++) { const t0 = performance.now(); d.exportSync(batch); t.push(performance.now() - t0); }
  t.sort((a, b) => a - b);
  console.log(n, 'exportSync median', t[20].toFixed(2), 'ms', (t[20] * 1000 / n).toFixed(2), 'us/record');
  await d.shutdown();
}
