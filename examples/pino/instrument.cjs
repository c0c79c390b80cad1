// Loaded after `-r @spillway/node/register` (which set the global logger provider) and before the
// app requires pino: @opentelemetry/instrumentation-pino patches pino so every log line is also
// emitted as an OTel log record, with the active span's trace context.
const { registerInstrumentations } = require('@opentelemetry/instrumentation');
const { PinoInstrumentation } = require('@opentelemetry/instrumentation-pino');

registerInstrumentations({ instrumentations: [new PinoInstrumentation()] });
