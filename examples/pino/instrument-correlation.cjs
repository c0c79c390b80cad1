// For app-hooks.cjs: instrumentation-pino for log correlation only (trace_id, span_id,
// trace_flags in pino's lines). Its log sending is off: @spillway/pino sends the records, and
// leaving both on would send each record twice.
const { registerInstrumentations } = require('@opentelemetry/instrumentation');
const { PinoInstrumentation } = require('@opentelemetry/instrumentation-pino');

registerInstrumentations({
  instrumentations: [new PinoInstrumentation({ disableLogSending: true })],
});
