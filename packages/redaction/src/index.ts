export {
  BUILTIN_RULES,
  DEFAULT_RULES,
  SECRET_KEY_EXCEPTIONS,
  SECRET_KEY_GLOBS,
} from './builtin-rules';
export { DEFAULT_MAX_VALUE_CHARS, DEFAULT_REPLACEMENT } from './internal/redaction-plan';
export { SCAN_MARGIN, truncationMarker } from './internal/value-redactor';
export { compileKeyGlob, type KeyGlob, KeyMatcher } from './key-glob';
export { isCardNumber, luhnValid } from './luhn';
export type { ParsedRedactSpec, RedactionSpec } from './redact-spec';
export {
  defaultRedactSpec,
  formatRedactSpec,
  mergeRedactionOptions,
  parseRedactSpec,
  REDACT_SPEC_FORM,
  redactionOptionsOf,
} from './redact-spec';
export { RedactingLogRecordProcessor } from './redacting-log-record-processor';
export type {
  BuiltinRuleName,
  CustomRedactionRule,
  RedactingLogRecordProcessorOptions,
  RedactionStats,
  ValuePatternRule,
} from './types';
