// A winston app with the OpenTelemetry transport: each log is also emitted as an OTel log record
// through the global logger provider, which `--import @spillway/node/register` set to spillway.
//   node --import @spillway/node/register app.mjs
import { OpenTelemetryTransportV3 } from '@opentelemetry/winston-transport';
import { getRegisteredPipeline } from '@spillway/node';
import winston from 'winston';

const logger = winston.createLogger({
  level: 'debug',
  format: winston.format.json(),
  transports: [new winston.transports.Console(), new OpenTelemetryTransportV3()],
});
const requests = Number(process.env.EXAMPLE_REQUESTS || 500);

for (let i = 0; i < requests; i++) {
  logger.debug('request received', { req: i });
  logger.info('request served', { req: i, status: 200 });
  if (i % 250 === 3) logger.warn('slow request', { req: i, ms: 1840 });
}
logger.error('checkout failed: payment provider returned 502', { order: 42 });

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
