import { diag } from '@opentelemetry/api';

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
