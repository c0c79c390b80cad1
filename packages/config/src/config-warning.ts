import { diag } from '@opentelemetry/api';

// Every configuration warning's wording lives here, so one bad value reads the same whichever
// source (environment, OTEL_CONFIG_FILE, a policy file) and whichever reader (pipeline, doctor).

/**
 * Warns about a configuration value spillway did not accept. Both channels on purpose: OTel's
 * `diag` is silent unless the app set a diag logger, so the warning also goes through
 * `process.emitWarning` — printed to stderr by default, silenced by `--no-warnings`, and
 * observable with `process.on('warning')`.
 */
export function emitConfigWarning(message: string): void {
  diag.warn(message);
  process.emitWarning(message, { type: 'SpillwayConfigWarning', code: 'SPILLWAY_CONFIG' });
}

/** `<name>="<value>" is not valid: expected <form>; using the default <used>.` */
export function invalidValueMessage(
  name: string,
  value: string,
  expected: string,
  used: string,
): string {
  return `${name}=${JSON.stringify(value)} is not valid: expected ${expected}; using the default ${used}.`;
}

/** The warning for `SPILLWAY_*` variables set beside `OTEL_CONFIG_FILE`. */
export function ignoredVariablesMessage(fileVariable: string, names: readonly string[]): string {
  return `${fileVariable} is set, so ${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} ignored (the configuration file replaces the environment); move ${names.length === 1 ? 'it' : 'them'} into the spillway processor's properties.`;
}
