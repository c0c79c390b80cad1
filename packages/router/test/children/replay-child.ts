// Child of replay.test.ts: replays the fallback files of a directory to an OTLP/gRPC receiver and
// prints its replay stats as JSON lines; exits once nothing is left (the parent may SIGKILL it first).
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { ZstdFileLogRecordExporter } from '@spillway/file-exporter';
import { FailoverLogRecordExporter } from '@spillway/router';

const [dir, url, rate, batch] = process.argv.slice(2) as [string, string, string, string];
const failover = new FailoverLogRecordExporter({
  exporters: [
    new OTLPLogExporter({ url, timeoutMillis: 5_000 }),
    new ZstdFileLogRecordExporter({ directory: dir }),
  ],
  replay: {
    settleMillis: 0,
    ratePerSecond: Number(rate),
    batchSize: Number(batch),
  },
});
const timer = setInterval(() => {
  const s = failover.getStats().replay;
  process.stdout.write(`${JSON.stringify(s)}\n`);
  if (s.state === 'idle' && s.filesPending === 0 && s.recordsReplayed > 0) {
    clearInterval(timer);
    void failover.shutdown().then(() => process.exit(0));
  }
}, 25);
