// What FailoverLogRecordExporter costs on the export path: records/s through the bare gRPC
// OTLPLogExporter (the anchor) vs the same exporter behind the failover with a zstd file fallback,
// the receiver up; and records/s while the receiver is down (the circuit open, batches to files).
// Run: npx turbo run build --filter=@spillway/router... && node bench/router/failover-overhead.bench.mjs
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { ZstdFileLogRecordExporter } from '@spillway/file-exporter';
import { FailoverLogRecordExporter } from '@spillway/router';
import { OtlpGrpcLogsReceiver } from '@spillway/testing';
import { exportBatch, machine, median, recordBatches, table } from './_common.mjs';

const RECORDS = 50_000;
const RUNS = 5;
const { batches, input } = recordBatches(RECORDS);

async function timed(exporter) {
  const t0 = process.hrtime.bigint();
  for (const b of batches) await exportBatch(exporter, b);
  await exporter.forceFlush();
  return RECORDS / (Number(process.hrtime.bigint() - t0) / 1e9);
}

const receiver = await new OtlpGrpcLogsReceiver().start();
const results = { bare: [], failover: [], outage: [] };
for (let run = 0; run < RUNS; run++) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-router-'));
  const bare = new OTLPLogExporter({ url: receiver.url });
  await exportBatch(bare, batches[0]); // connect before timing
  results.bare.push(await timed(bare));
  await bare.shutdown();

  const otlp = new OTLPLogExporter({ url: receiver.url });
  await exportBatch(otlp, batches[0]);
  const failover = new FailoverLogRecordExporter({
    exporters: [otlp, new ZstdFileLogRecordExporter({ directory: dir })],
    replay: false,
  });
  results.failover.push(await timed(failover));
  await receiver.stop();
  results.outage.push(await timed(failover));
  await failover.shutdown();
  await receiver.start();
  receiver.clear();
  rmSync(dir, { recursive: true, force: true });
}
await receiver.stop();

const anchor = median(results.bare);
const row = (name, xs) => [
  name,
  Math.round(median(xs)).toLocaleString('en-US'),
  `${(median(xs) / anchor).toFixed(2)}×`,
];
console.log(
  table(
    [`Pipeline (50k ${input} records, batches of 512)`, 'records/s (median of 5)', 'vs anchor'],
    [
      row('OTLPLogExporter gRPC alone, receiver up (anchor)', results.bare),
      row('FailoverLogRecordExporter [OTLP, zstd files], receiver up', results.failover),
      row('FailoverLogRecordExporter, receiver down (circuit open → files)', results.outage),
    ],
  ),
);
console.log(`\n${machine()}`);
