// @spillway/node on the OTel 3.x line (Node 24): the env-built pipeline inside a 3.x LoggerProvider,
// and the register path — `node --import @spillway/node/register` starting the 3.x NodeSDK, logs
// through the logs API in @opentelemetry/api 1.10, SIGTERM delivering everything, an uncaught
// exception recorded as FATAL through the 3.x global logger.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, beforeEach, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { createLogRecordProcessorFromEnv } from '@spillway/node';
import { OtlpGrpcLogsReceiver } from '@spillway/testing';

const here = join(dirname(fileURLToPath(import.meta.url)), '..');
const ALL = 'fatal=1,error=1,warn=1,info=1,debug=1,trace=1';
const receiver = await new OtlpGrpcLogsReceiver().start();
after(() => receiver.stop());
beforeEach(() => receiver.clear());

// Every folder a test made is removed when the file's tests end.
const made = [];
after(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});
const freshDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'spillway-compat-node-'));
  made.push(d);
  return d;
};

function childEnv(extra) {
  return {
    ...process.env,
    OTEL_SERVICE_NAME: 'compat-node',
    OTEL_TRACES_EXPORTER: 'none',
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_BLRP_SCHEDULE_DELAY: '100',
    SPILLWAY_SAMPLING: ALL,
    OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: receiver.url,
    ...extra,
  };
}

/** `node --import @spillway/node/register` running `code` as an ES module in this folder. */
function run(code, env) {
  const child = spawn(
    process.execPath,
    ['--import', '@spillway/node/register', '--input-type=module', '-e', code],
    {
      cwd: here,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const ready = new Promise((resolve, reject) => {
    child.stdout.on('data', () => out.includes('ready\n') && resolve());
    child.on('close', () => reject(new Error(`child ended before ready:\n${out}\n${err}`)));
  });
  const done = new Promise((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, err })),
  );
  return { child, ready, done };
}

const EMIT = `
import { logs } from '@opentelemetry/api';
const logger = logs.getLogger('compat');
for (let i = 0; i < 500; i++) logger.emit({ severityNumber: 9, severityText: 'INFO', body: 'r' + i, attributes: { 'test.id': i } });
`;

test('createLogRecordProcessorFromEnv works inside a 3.x LoggerProvider', async () => {
  const processor = createLogRecordProcessorFromEnv({
    SPILLWAY_DIR: freshDir(),
    SPILLWAY_SAMPLING: ALL,
    OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: receiver.url,
  });
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'compat-node' }),
    processors: [processor],
  });
  const logger = provider.getLogger('compat');
  for (let i = 0; i < 100; i++)
    logger.emit({ severityNumber: 17, body: `e${i}`, attributes: { 'test.id': i } });
  logger.emit({ severityNumber: 21, body: 'fatal' });
  assert.equal(
    processor.getStats().diskBuffer.recordsAccepted >= 1,
    true,
    'FATAL handed to the WAL synchronously',
  );
  await provider.forceFlush();
  await receiver.waitForRecords(101, 30_000);
  await provider.shutdown();
  assert.equal(receiver.records.length, 101);
});

test('--import @spillway/node/register: SIGTERM delivers every record, then the process ends by the signal', async () => {
  const r = run(
    `${EMIT}\nsetInterval(() => {}, 1000);\nconsole.log('ready');`,
    childEnv({ SPILLWAY_DIR: freshDir() }),
  );
  await r.ready;
  r.child.kill('SIGTERM');
  const { code, signal, err } = await r.done;
  assert.deepEqual({ code, signal }, { code: null, signal: 'SIGTERM' }, err);
  assert.equal(new Set(receiver.records.map((x) => x.attributes['test.id'])).size, 500);
  assert.equal(receiver.records[0].resource['service.name'], 'compat-node');
});

test('--import @spillway/node/register: an uncaught exception becomes a FATAL record', async () => {
  const dir = freshDir();
  const r = run(
    `console.log('ready');\nsetTimeout(() => { throw new TypeError('compat boom'); }, 1);`,
    childEnv({ SPILLWAY_DIR: dir }),
  );
  const { code, err } = await r.done;
  assert.equal(code, 1);
  assert.match(err, /TypeError: compat boom/);
  const isFatal = () => receiver.records.some((x) => x.severityNumber === 21);
  if (!isFatal()) {
    // Still in the WAL: the next start delivers it.
    const next = run(
      `setInterval(() => {}, 1000);\nconsole.log('ready');`,
      childEnv({ SPILLWAY_DIR: dir }),
    );
    try {
      await receiver.waitFor(isFatal, 30_000, 'the FATAL record');
    } finally {
      next.child.kill('SIGTERM');
      await next.done;
    }
  }
  const fatal = receiver.records.find((x) => x.severityNumber === 21);
  assert.equal(fatal.body, 'Uncaught exception: TypeError: compat boom');
  assert.equal(fatal.attributes['exception.type'], 'TypeError');
});
