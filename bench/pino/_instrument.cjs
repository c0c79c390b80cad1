// Loaded after `-r @spillway/node/register` and before the server requires pino:
// @opentelemetry/instrumentation-pino with log sending on (the bridge that builds every record
// and parses every line), or with the server's `--correlation-only` only its log correlation (trace_id,
// span_id, trace_flags in pino's lines), as @spillway/pino's README recommends beside it.
const { registerInstrumentations } = require('@opentelemetry/instrumentation');
const { PinoInstrumentation } = require('@opentelemetry/instrumentation-pino');

registerInstrumentations({
  instrumentations: [
    new PinoInstrumentation({ disableLogSending: process.argv.includes('--correlation-only') }),
  ],
});
