// spillway as the logs pipeline of a NodeSDK you configure in code. Traces come from NodeSDK as
// usual (OTEL_TRACES_EXPORTER etc.); logs emitted inside a span carry its trace context, so
// spillway samples whole traces: a request's logs are kept or dropped together.
import { trace } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { createLogRecordProcessorFromEnv, installShutdownHandlers } from '@spillway/node';

const serviceName = process.env.OTEL_SERVICE_NAME || 'nodesdk-example';
const processor = createLogRecordProcessorFromEnv(process.env, { serviceName });
const sdk = new NodeSDK({
  serviceName,
  logRecordProcessors: [processor],
});
sdk.start();
// SIGTERM/SIGINT flush and shut down, process.exit() hands the queue to the WAL, an uncaught
// exception becomes a FATAL record: what `--import @spillway/node/register` does for you.
installShutdownHandlers({ processor, shutdown: () => sdk.shutdown() });

const tracer = trace.getTracer('nodesdk-example');
const logger = logs.getLogger('nodesdk-example');
const requests = Number(process.env.EXAMPLE_REQUESTS || 2000);

for (let i = 0; i < requests; i++) {
  tracer.startActiveSpan('GET /orders/:id', (span) => {
    logger.emit({
      severityNumber: 9,
      severityText: 'INFO',
      body: `request ${i} started`,
      attributes: { 'http.route': '/orders/:id' },
    });
    logger.emit({ severityNumber: 5, severityText: 'DEBUG', body: `cache lookup for order ${i}` });
    if (i % 100 === 7) {
      logger.emit({
        severityNumber: 17,
        severityText: 'ERROR',
        body: `order ${i} not found in the database`,
        attributes: { 'order.id': i },
      });
    }
    logger.emit({ severityNumber: 9, severityText: 'INFO', body: `request ${i} finished` });
    span.end();
  });
}

// With no collector, NodeSDK's trace exporter (OTLP to localhost:4318 by default) retries for
// about 10 s and then sdk.shutdown() rejects. That is a fact about traces, not a crash: say so.
// A rejected shutdown has not waited for the logs pipeline, so wait for spillway's own
// shutdown (idempotent: the same promise the SDK started).
try {
  await sdk.shutdown();
} catch (err) {
  console.error(
    `traces not delivered: ${err.message} (no trace collector? OTEL_TRACES_EXPORTER=none turns traces off)`,
  );
}
await processor.shutdown();
const { sampling, failover } = processor.getStats();
console.log(
  `emitted ${sampling.offered.total}, kept ${sampling.kept.total} (errors kept: ${sampling.kept.error} of ${sampling.offered.error})`,
);
console.log(
  `dropped by sampling ${sampling.dropped.sampled.total}, by rate limit ${sampling.dropped.rate_limited.total}`,
);
if (failover) {
  const [collector, files] = failover.targets;
  console.log(`  to the collector: ${collector.recordsSent} records`);
  if (files) console.log(`  to local files: ${files.recordsSent} records`);
}
console.log(`read the local files with: npx spillway cat ${processor.config.directory}/files`);
