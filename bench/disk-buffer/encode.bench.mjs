// Encoding cost of the WAL's binary batch codec vs OTLP protobuf (otlp-transformer's
// ProtobufLogsSerializer, what the OTLP gRPC exporter sends) on the same batches, in the
// same run. Goal (issue 4): ≤ 0.5× protobuf ns/record, bytes/record ≤ protobuf's.
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { decodeLogRecordBatch, encodeLogRecordBatch } from '@spillway/disk-buffer';
import { knob, machine, median, recordBatches, table } from './_common.mjs';

const RECORDS = knob('RECORDS', 100_000);
const RUNS = knob('RUNS', 7);
const BATCH = 512;
const { batches, input } = recordBatches(RECORDS, BATCH);

function measure(fn) {
  let bytes = 0;
  const t0 = process.hrtime.bigint();
  for (const b of batches) bytes += fn(b).length;
  return { ns: Number(process.hrtime.bigint() - t0) / RECORDS, bytes: bytes / RECORDS };
}

const encoders = {
  'disk-buffer codec': encodeLogRecordBatch,
  'OTLP protobuf (ProtobufLogsSerializer)': (b) => ProtobufLogsSerializer.serializeRequest(b),
};
// Warm-up, then runs interleaved so both see the same machine load.
for (const fn of Object.values(encoders)) measure(fn);
const samples = Object.fromEntries(Object.keys(encoders).map((k) => [k, []]));
for (let r = 0; r < RUNS; r++) {
  for (const [name, fn] of Object.entries(encoders)) samples[name].push(measure(fn));
}
const encoded = batches.map(encodeLogRecordBatch);
const decodeNs = [];
for (let r = 0; r < RUNS; r++) {
  const t0 = process.hrtime.bigint();
  for (const e of encoded) decodeLogRecordBatch(e);
  decodeNs.push(Number(process.hrtime.bigint() - t0) / RECORDS);
}

const anchor = median(samples['OTLP protobuf (ProtobufLogsSerializer)'].map((s) => s.ns));
const rows = Object.entries(samples).map(([name, s]) => {
  const ns = median(s.map((x) => x.ns));
  return [name, ns.toFixed(0), (ns / anchor).toFixed(2), s[0].bytes.toFixed(1)];
});
rows.push(['disk-buffer codec, decode', median(decodeNs).toFixed(0), '–', '–']);
console.log(
  `Encoding ${RECORDS} ${input} records in batches of ${BATCH}, median of ${RUNS} runs. ${machine()}\n`,
);
console.log(table(['encoder', 'ns/record', 'ratio to protobuf', 'bytes/record'], rows));
