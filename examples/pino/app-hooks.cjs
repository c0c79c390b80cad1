// The same app as app.cjs, with its logger bridged by @spillway/pino instead of
// instrumentation-pino's log sending: each record asks spillway's sampling first, so the ~99%
// it refuses cost one call, and the kept ones are built straight from the pino call. Started with
//   node -r @spillway/node/register -r ./instrument-correlation.cjs app-hooks.cjs
// (instrumentation-pino then only adds trace_id/span_id to pino's own lines; leave that -r out
// if you do not want them). pino's stdout lines are the same as without the bridge.
const pino = require('pino');
const { SpillwayPinoBridge } = require('@spillway/pino');
const { getRegisteredPipeline } = require('@spillway/node');

const bridge = new SpillwayPinoBridge();
const logger = bridge.attach(pino({ level: 'debug' }));
const http = logger.child({ component: 'http' });
const requests = Number(process.env.EXAMPLE_REQUESTS || 500);

for (let i = 0; i < requests; i++) {
  http.debug({ req: i }, 'request received');
  http.info({ req: i, status: 200 }, 'request served');
  if (i % 250 === 3) http.warn({ req: i, ms: 1840 }, 'slow request');
}
logger.error({ err: new Error('payment provider returned 502') }, 'checkout failed');

process.on('exit', () => {
  const b = bridge.getStats();
  const stats = getRegisteredPipeline()?.processor.getStats();
  process.stderr.write(
    `@spillway/pino: asked ${b.asked}, refused ${b.refused} (never built), emitted ${b.emitted}; spillway kept ${stats?.sampling.kept.total ?? 0}\n`,
  );
});
