import { createBenchmarkRecordGenerator, toLogRecord } from '@spillway/testing';
import { RedactingLogRecordProcessor } from '@spillway/redaction';
const { generator } = createBenchmarkRecordGenerator({ seed: 3 });
const recs = generator.take(256).map(toLogRecord).map((r) => ({ body: r.body, attributes: { ...r.attributes }, setBody(b) { this.body = b; } }));
const which = process.argv[2];
const p = new RedactingLogRecordProcessor(which === 'card' ? { rules: ['card'] } : which === 'none' ? { rules: [] } : which === 'nocard' ? { rules: ['secret-keys','bearer','jwt','aws-key','private-key'] } : {});
const xs = [];
for (let round = 0; round < 7; round++) {
  const N = 200000;
  const t = process.cpuUsage();
  for (let k = 0; k < N; k++) p.onEmit(recs[k & 255]);
  const u = process.cpuUsage(t);
  xs.push(((u.user + u.system) * 1000) / N);
}
xs.sort((a, b) => a - b);
console.log(which, xs[3].toFixed(0), 'cpu ns/record (median of 7)', xs.map((x) => x.toFixed(0)).join(' '));
