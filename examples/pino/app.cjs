// An ordinary pino app: nothing in it knows about spillway. Started with
//   node -r @spillway/node/register -r ./instrument.cjs app.cjs
// its log lines still go to stdout, and also through spillway (sampled, WAL, OTLP or files).
const pino = require('pino');
const { getRegisteredPipeline } = require('@spillway/node');

const logger = pino({ level: 'debug' });
const http = logger.child({ component: 'http' });
const requests = Number(process.env.EXAMPLE_REQUESTS || 500);

for (let i = 0; i < requests; i++) {
  http.debug({ req: i }, 'request received');
  http.info({ req: i, status: 200 }, 'request served');
  if (i % 250 === 3) http.warn({ req: i, ms: 1840 }, 'slow request');
}
logger.error({ err: new Error('payment provider returned 502') }, 'checkout failed');

// The process ends by itself; spillway's beforeExit hook delivers what was kept.
process.on('exit', () => {
  const stats = getRegisteredPipeline()?.processor.getStats();
  if (stats) {
    const s = stats.sampling;
    process.stderr.write(
      `spillway: offered ${s.offered.total}, kept ${s.kept.total} (error ${s.kept.error}, warn ${s.kept.warn}, info ${s.kept.info}), to files ${stats.files?.recordsWritten ?? 0}\n`,
    );
  }
});
