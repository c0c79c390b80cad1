import { createBenchmarkRecordGenerator, toLogRecord } from '@spillway/testing';
import { RedactingLogRecordProcessor } from '@spillway/redaction';
const { generator } = createBenchmarkRecordGenerator({ seed: 3 });
const recs = generator.take(256).map(toLogRecord).map((r) => ({ body: r.body, attributes: { ...r.attributes }, setBody(b) { this.body = b; } }));
for (const opts of [{ rules: [] , maxValueChars: 0}, { rules: [] }, { rules: ['secret-keys'] }, { rules: ['secret-keys', 'bearer', 'jwt'] }, { rules: ['secret-keys', 'bearer', 'jwt', 'aws-key', 'private-key'] }, {}]) {
  const p = new RedactingLogRecordProcessor(opts);
  for (let k = 0; k < 20000; k++) p.onEmit(recs[k & 255]);
  const N = 400000;
  const t = process.hrtime.bigint();
  for (let k = 0; k < N; k++) p.onEmit(recs[k & 255]);
  console.log(JSON.stringify(opts), (Number(process.hrtime.bigint() - t) / N).toFixed(0), 'ns/record');
}
