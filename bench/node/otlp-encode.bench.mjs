// The OTLP gRPC request bytes of a batch: spillway's protobuf encoder
// (`encodeExportLogsServiceRequest`, what @spillway/node's OTLP exporter sends) against the SDK's
// serializer (`ProtobufLogsSerializer` of the installed exporter, the anchor), on the same
// batches: 512 records of the benchmark's synthetic generator (bodies 60–200 chars, 3–6
// attributes, 90% in traces), as the WAL's sender hands them over (records decoded from the WAL:
// plain objects). CPU µs per record (process.cpuUsage), one child process per scenario and round,
// rounds in a shuffled order, medians. Also the WAL codec's decode of the same batches, which the
// sender does for records it reads back, for scale, and the transcoder that writes the request
// straight from the stored payloads (`transcodeToOtlpRequest`, what the export worker does in
// place of decode + encode).
// Run: node bench/node/otlp-encode.bench.mjs [rounds] (after `npx turbo run build`).
// Knobs: SPILLWAY_BENCH_RECORDS (20480), SPILLWAY_BENCH_PASSES (5).
import { createRequire } from 'node:module';
import { knob, machine, median, shuffledRounds, table } from '../_shared.mjs';

const SCENARIOS = [
  'SDK serializer (ProtobufLogsSerializer, anchor)',
  'spillway encoder (encodeExportLogsServiceRequest)',
  'WAL codec decode (for scale)',
  'transcode stored payloads (transcodeToOtlpRequest)',
];
const RECORDS = knob('RECORDS', 20_480);
const PASSES = knob('PASSES', 5);
const BATCH = 512;

async function child(index) {
  const { LoggerProvider } = await import('@opentelemetry/sdk-logs');
  const { resourceFromAttributes } = await import('@opentelemetry/resources');
  const { decodeLogRecordBatches, encodeLogRecordBatch, transcodeToOtlpRequest } = await import(
    '@spillway/disk-buffer'
  );
  const { encodeExportLogsServiceRequest } = await import('@spillway/record-format');
  const { SyntheticRecordGenerator, toLogRecord } = await import('@spillway/testing');
  const exporterPath = createRequire(import.meta.url).resolve(
    '@opentelemetry/exporter-logs-otlp-grpc',
  );
  const { ProtobufLogsSerializer } = createRequire(exporterPath)('@opentelemetry/otlp-transformer');
  const emitted = [];
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'bench' }),
    processors: [
      { onEmit: (r) => emitted.push(r), forceFlush: async () => {}, shutdown: async () => {} },
    ],
  });
  const logger = provider.getLogger('bench');
  for (const g of new SyntheticRecordGenerator({ seed: 15 }).take(RECORDS)) {
    logger.emit(toLogRecord(g));
  }
  const payloads = [];
  for (let i = 0; i < emitted.length; i += BATCH) {
    payloads.push(Buffer.from(encodeLogRecordBatch(emitted.slice(i, i + BATCH))));
  }
  const batches = payloads.map((p) => decodeLogRecordBatches([p]));
  const work = [
    () => {
      for (const b of batches) ProtobufLogsSerializer.serializeRequest(b);
    },
    () => {
      for (const b of batches) encodeExportLogsServiceRequest(b);
    },
    () => {
      for (const p of payloads) decodeLogRecordBatches([p]);
    },
    () => {
      for (const p of payloads) {
        if (transcodeToOtlpRequest([p]) === undefined) throw new Error('transcoder declined');
      }
    },
  ][index];
  work(); // JIT warm-up
  const us = [];
  for (let k = 0; k < PASSES; k++) {
    const t0 = process.cpuUsage();
    work();
    const t = process.cpuUsage(t0);
    us.push((t.user + t.system) / emitted.length);
  }
  process.stdout.write(JSON.stringify(median(us)));
}

function parent(rounds) {
  const run = shuffledRounds(import.meta.url, SCENARIOS, rounds);
  const m = run.outputs.map((xs) => median(xs.map(Number)));
  console.log(
    `${machine()}; load average (1 min) ${Math.min(...run.loads).toFixed(1)}–${Math.max(...run.loads).toFixed(1)}; ${RECORDS.toLocaleString('en')} records in batches of ${BATCH}, median of ${PASSES} passes per child, median of ${rounds} shuffled rounds.\n`,
  );
  console.log(
    table(
      ['', 'CPU µs per record', 'ratio to the SDK serializer'],
      SCENARIOS.map((name, i) => [name, m[i].toFixed(2), `${(m[i] / m[0]).toFixed(2)}×`]),
    ),
  );
}

if (process.argv[2] === '--child') await child(Number(process.argv[3]));
else parent(Number(process.argv[2] ?? 7));
