import {
  DEFAULT_MAX_VALUE_CHARS,
  defaultRedactSpec,
  formatRedactSpec,
  parseRedactSpec,
  REDACT_SPEC_FORM,
} from '@spillway/redaction';
import {
  DEFAULT_RATE_LIMITS,
  DEFAULT_RATIOS,
  DEFAULT_TRACE_SILENCE_AFTER,
  parseTemplateKeySpec,
  TEMPLATE_KEY_SPEC_FORMS,
} from '@spillway/sampling';
import { MIN_QUEUE_BYTES, queueBytesForLimit } from './internal/cgroup-memory';
import {
  CLASS_NAMES,
  type ClassTable,
  parseChoice,
  parseNoTraceContext,
  parseRateLimits,
  parseRatios,
} from './sampling-values';
import { defaultDataDirectory } from './service-name';
import type { SpillwayConfig } from './types';
import {
  formatSize,
  invalid,
  isInvalid,
  type Parsed,
  parseDirectory,
  parseDuration,
  parseFsync,
  parseInteger,
  parseSize,
} from './value-parsers';

/**
 * The smallest `SPILLWAY_MAX_DISK_BYTES`. Half goes to the WAL, whose segments are an eighth of
 * its share (16 MiB at most): at 16 MiB the WAL rotates eight 1 MiB segments, so one full batch
 * from a minimum-size queue (about 1 MiB) fits beside the segment being delivered and
 * `drop_oldest` has whole segments to evict; the other 8 MiB keeps several failover files. Below
 * that, batches stop fitting at all and every record is dropped as `disk_full`.
 */
export const MIN_DISK_BYTES = 16 * 2 ** 20;

/** What a default may depend on: the service (the directory) and the cgroup (the queue). */
export interface DefaultContext {
  serviceName: string;
  cgroupLimit: number | undefined;
}

/**
 * One configurable value: its variable, its `OTEL_CONFIG_FILE` property, its default, its parser
 * and how it prints. Every source goes through `apply`, so a value is accepted, refused and worded
 * the same wherever it comes from.
 */
export interface Variable {
  variable: string;
  /** Path under the `spillway` processor's properties, dot-separated (`sampling.ratios`). */
  property: string;
  /** The default as the documentation states it (used in warnings and by `spillway doctor`). */
  defaultText: string;
  /** The value used instead when `SPILLWAY_SAMPLING=all` is set and this variable is not. */
  keepAllText?: string;
  /** Sets the default into `config`. */
  initial(config: SpillwayConfig, context: DefaultContext): void;
  /** Parses the text and stores it in `config`; returns what went wrong, if anything. */
  apply(text: string, config: SpillwayConfig): Parsed<unknown>;
  /** The value in force, in the variable's own form. */
  format(config: SpillwayConfig): string;
}

/** The common case: one config field, one parser, a default value. */
function field<K extends keyof SpillwayConfig>(
  variable: string,
  property: string,
  key: K,
  defaults: { text: string; value: (context: DefaultContext) => SpillwayConfig[K] },
  parse: (text: string) => Parsed<SpillwayConfig[K]>,
  format: (value: SpillwayConfig[K]) => string = String,
): Variable {
  return {
    variable,
    property,
    defaultText: defaults.text,
    initial: (config, context) => {
      config[key] = defaults.value(context);
    },
    apply: (text, config) => {
      const v = parse(text);
      if (!isInvalid(v)) config[key] = v;
      return v;
    },
    format: (config) => format(config[key]),
  };
}

const constant =
  <T>(value: T) =>
  () =>
    value;

const positiveDuration = (text: string): Parsed<number> => {
  const v = parseDuration(text);
  return !isInvalid(v) && v === 0 ? invalid('a duration > 0') : v;
};

const classTableText = (table: ClassTable) =>
  CLASS_NAMES.filter((c) => table[c] !== undefined)
    .map((c) => `${c}=${table[c]}`)
    .join(',');

/**
 * Every value spillway reads itself, in documentation order: the one place a variable is added
 * (an entry here and its field in `SpillwayConfig`). The OTLP exporter reads its own
 * `OTEL_EXPORTER_OTLP_LOGS_*` variables; `OTEL_SERVICE_NAME` / `OTEL_RESOURCE_ATTRIBUTES` name the
 * service (service-name.ts).
 */
export const VARIABLES: readonly Variable[] = [
  field(
    'SPILLWAY_DIR',
    'directory',
    'directory',
    {
      text: '<tmpdir>/spillway/<service.name>',
      value: (c) => defaultDataDirectory(c.serviceName),
    },
    parseDirectory,
  ),
  {
    variable: 'SPILLWAY_SAMPLING',
    property: 'sampling.ratios',
    defaultText: classTableText(DEFAULT_RATIOS),
    initial: (config) => {
      config.ratios = { ...DEFAULT_RATIOS };
    },
    apply: (text, config) => {
      const v = parseRatios(text);
      // `all`: every ratio 1, silencing and rate limits off; their own values, read after this
      // one, still win.
      if (v === 'all') {
        config.ratios = { fatal: 1, error: 1, warn: 1, info: 1, debug: 1, trace: 1 };
        config.traceSilenceAfter = 0;
        config.rateLimits = {};
      } else if (!isInvalid(v)) config.ratios = { ...config.ratios, ...v };
      return v;
    },
    format: (config) => classTableText(config.ratios),
  },
  field(
    'SPILLWAY_SAMPLING_NO_TRACE',
    'sampling.no_trace_context',
    'noTraceContext',
    { text: 'random', value: constant('random' as const) },
    parseNoTraceContext,
    (v) => (typeof v === 'string' ? v : `attr:${v.attribute}`),
  ),
  {
    ...field(
      'SPILLWAY_TRACE_SILENCE_AFTER',
      'sampling.trace_silence_after',
      'traceSilenceAfter',
      { text: String(DEFAULT_TRACE_SILENCE_AFTER), value: constant(DEFAULT_TRACE_SILENCE_AFTER) },
      (t) => parseInteger(t, 0),
    ),
    keepAllText: '0',
  },
  {
    ...field(
      'SPILLWAY_RATE_LIMITS',
      'sampling.rate_limits',
      'rateLimits',
      {
        text: Object.entries(DEFAULT_RATE_LIMITS)
          .map(([c, n]) => `${c}=${n}`)
          .join(','),
        value: () => ({ ...DEFAULT_RATE_LIMITS }),
      },
      parseRateLimits,
      // In the table's own order: the documented default reads `warn=1000,error=200`.
      (v) =>
        Object.entries(v)
          .map(([c, n]) => `${c}=${n}`)
          .join(',') || 'none',
    ),
    keepAllText: 'none',
  },
  field(
    'SPILLWAY_TEMPLATE_KEY',
    'sampling.template_key',
    'templateKey',
    { text: 'body', value: constant('body' as const) },
    (t) => parseTemplateKeySpec(t) ?? invalid(TEMPLATE_KEY_SPEC_FORMS),
    (v) => (typeof v === 'string' ? v : `attr:${v.attribute}`),
  ),
  field(
    'SPILLWAY_BACKFILL',
    'sampling.backfill',
    'backfillMillis',
    { text: 'off', value: constant(0) },
    (t) => (/^\s*off\s*$/i.test(t) ? 0 : parseDuration(t)),
    (v) => (v === 0 ? 'off' : `${v}ms`),
  ),
  field(
    'SPILLWAY_FSYNC',
    'fsync',
    'fsync',
    { text: 'interval:200', value: () => ({ intervalMillis: 200 }) },
    parseFsync,
    (v) => (typeof v === 'string' ? v : `interval:${v.intervalMillis}`),
  ),
  field(
    'SPILLWAY_MAX_DISK_BYTES',
    'max_disk_bytes',
    'maxDiskBytes',
    { text: '1GiB', value: constant(2 ** 30) },
    (t) => parseSize(t, MIN_DISK_BYTES),
    formatSize,
  ),
  field(
    'SPILLWAY_MIN_FREE_BYTES',
    'min_free_bytes',
    'minFreeBytes',
    { text: '64MiB', value: constant(64 * 2 ** 20) },
    parseSize,
    formatSize,
  ),
  field(
    'SPILLWAY_FAILOVER',
    'failover',
    'failover',
    { text: 'file', value: constant('file' as const) },
    (t) => parseChoice(t, ['file', 'none'] as const),
  ),
  field(
    'SPILLWAY_EXPORT_THREAD',
    'export_thread',
    'exportThread',
    { text: 'main', value: constant('main' as const) },
    (t) => parseChoice(t, ['main', 'worker'] as const),
  ),
  field(
    'SPILLWAY_ENCRYPTION_KEY_FILE',
    'encryption.key_file',
    'encryptionKeyFile',
    { text: 'unset (files are not encrypted)', value: constant(undefined) },
    (t) => (t.trim() === '' ? invalid('the path of a key file') : t.trim()),
    (v) => v ?? 'unset',
  ),
  field(
    'SPILLWAY_CHAIN',
    'chain.enabled',
    'chain',
    { text: 'off', value: constant(false) },
    (t) => {
      const v = parseChoice(t, ['on', 'off'] as const);
      return isInvalid(v) ? v : v === 'on';
    },
    (v) => (v ? 'on' : 'off'),
  ),
  field(
    'SPILLWAY_CHAIN_KEY_FILE',
    'chain.key_file',
    'chainKeyFile',
    { text: 'unset (a plain SHA-256 chain)', value: constant(undefined) },
    (t) => (t.trim() === '' ? invalid('the path of a key file') : t.trim()),
    (v) => v ?? 'unset',
  ),
  field(
    'SPILLWAY_CONFIG_FILE',
    'sampling.policy_file',
    'configFile',
    { text: 'unset', value: constant(undefined) },
    (t) => t,
    (v) => v ?? 'unset',
  ),
  field(
    'SPILLWAY_SHUTDOWN_TIMEOUT_MS',
    'shutdown_timeout',
    'shutdownTimeoutMillis',
    { text: '5000', value: constant(5000) },
    positiveDuration,
  ),
  field(
    'SPILLWAY_MAX_QUEUE_BYTES',
    'max_queue_bytes',
    'maxQueueBytes',
    {
      text: '5% of the cgroup memory limit, within 1MiB–64MiB; 64MiB without a limit',
      value: (c) => queueBytesForLimit(c.cgroupLimit),
    },
    (t) => parseSize(t, MIN_QUEUE_BYTES),
    formatSize,
  ),
  {
    variable: 'SPILLWAY_REDACT',
    property: 'redact',
    defaultText: 'rules, with the valid parts applied (an invalid part is ignored)',
    initial: (config) => {
      config.redaction = defaultRedactSpec();
    },
    apply: (text, config) => {
      // Part by part: a typo must not take the user's other rules away.
      const { spec, invalidParts } = parseRedactSpec(text);
      config.redaction = spec;
      return invalidParts.length === 0
        ? spec
        : invalid(
            `${REDACT_SPEC_FORM} (not ${invalidParts.map((p) => JSON.stringify(p)).join(', ')})`,
          );
    },
    format: (config) => formatRedactSpec(config.redaction),
  },
  field(
    'SPILLWAY_MAX_VALUE_CHARS',
    'max_value_chars',
    'maxValueChars',
    { text: String(DEFAULT_MAX_VALUE_CHARS), value: constant(DEFAULT_MAX_VALUE_CHARS) },
    (t) => {
      const v = parseInteger(t, 0);
      return isInvalid(v) ? invalid('a whole number of characters ≥ 0 (0 = no limit)') : v;
    },
  ),
  field(
    'OTEL_BLRP_MAX_QUEUE_SIZE',
    'max_queue_size',
    'maxQueueSize',
    { text: '2048', value: constant(2048) },
    (t) => parseInteger(t, 1),
  ),
  field(
    'OTEL_BLRP_MAX_EXPORT_BATCH_SIZE',
    'max_export_batch_size',
    'maxExportBatchSize',
    { text: '512', value: constant(512) },
    (t) => parseInteger(t, 1),
  ),
  field(
    'OTEL_BLRP_SCHEDULE_DELAY',
    'schedule_delay',
    'scheduledDelayMillis',
    { text: '1000', value: constant(1000) },
    positiveDuration,
  ),
  field(
    'OTEL_BLRP_EXPORT_TIMEOUT',
    'export_timeout',
    'exportTimeoutMillis',
    { text: '30000', value: constant(30_000) },
    positiveDuration,
  ),
];
