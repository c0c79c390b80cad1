// How fast replay drains a backlog: 50k records written to zstd files during an "outage", then
// replayed to the gRPC receiver with no rate limit, vs sending the same records straight through
// the OTLPLogExporter (the anchor: what the network path alone allows).
// Run: npx turbo run build --filter=@spillway/router... && node bench/router/replay-throughput.bench.mjs
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

const receiver = await new OtlpGrpcLogsReceiver().start();
const direct = [];
const replay = [];
for (let run = 0; run < RUNS; run++) {
  receiver.clear();
  const otlp = new OTLPLogExporter({ url: receiver.url });
  await exportBatch(otlp, batches[0]);
  receiver.clear();
  let t0 = process.hrtime.bigint();
  for (const b of batches) await exportBatch(otlp, b);
  direct.push(RECORDS / (Number(process.hrtime.bigint() - t0) / 1e9));
  await otlp.shutdown();

  const dir = mkdtempSync(join(tmpdir(), 'bench-replay-'));
  const writer = new ZstdFileLogRecordExporter({ directory: dir });
  for (const b of batches) await exportBatch(writer, b);
  await writer.shutdown();
  receiver.clear();
  const primary = new OTLPLogExporter({ url: receiver.url });
  await exportBatch(primary, batches[0]);
  receiver.clear();
  t0 = process.hrtime.bigint();
  const failover = new FailoverLogRecordExporter({
    exporters: [primary, new ZstdFileLogRecordExporter({ directory: dir })],
    replay: { settleMillis: 0, ratePerSecond: 1e9, batchSize: 512 },
  });
  await receiver.waitForRecords(RECORDS, 120_000);
  replay.push(RECORDS / (Number(process.hrtime.bigint() - t0) / 1e9));
  await failover.shutdown();
  rmSync(dir, { recursive: true, force: true });
}
await receiver.stop();

const anchor = median(direct);
const row = (name, xs) => [
  name,
  Math.round(median(xs)).toLocaleString('en-US'),
  `${(median(xs) / anchor).toFixed(2)}×`,
];
console.log(
  table(
    [`50k ${input} records to the gRPC receiver`, 'records/s (median of 5)', 'vs anchor'],
    [
      row('OTLPLogExporter, batches of 512 from memory (anchor)', direct),
      row('Replay from zstd files (read, decode, send, checkpoint per batch)', replay),
    ],
  ),
);
console.log(`\n${machine()}`);
