import {
  defaultDataDirectory,
  formatSize,
  invalid,
  isInvalid,
  type Parsed,
  parseDirectory,
  parseDuration,
  parseFsync,
  parseInteger,
  parseSize,
  serviceNameFromEnv,
} from '@spillway/record-format';
import {
  DEFAULT_MAX_VALUE_CHARS,
  defaultRedactSpec,
  formatRedactSpec,
  parseRedactSpec,
  REDACT_SPEC_FORM,
} from '@spillway/redaction';
import {
  MIN_QUEUE_BYTES,
  queueBytesForLimit,
  readCgroupMemoryLimit,
} from './internal/cgroup-memory';
import {
  parseChoice,
  parseNoTraceContext,
  parseRateLimits,
  parseRatios,
} from './internal/parse-values';
import type {
  ConfigEntry,
  ConfigProblem,
  SamplingRatios,
  SpillwayConfig,
  SpillwayConfigReport,
} from './types';

export { MIN_QUEUE_BYTES };

/** The sampling ratios used when `SPILLWAY_SAMPLING` leaves a class out. */
export const DEFAULT_RATIOS: Readonly<SamplingRatios> = Object.freeze({
  fatal: 1,
  error: 1,
  warn: 0.1,
  info: 0.001,
  debug: 0.001,
  trace: 0.001,
});

/**
 * The smallest `SPILLWAY_MAX_DISK_BYTES`. Half goes to the WAL, whose segments are an eighth of
 * its share (16 MiB at most): at 16 MiB the WAL rotates eight 1 MiB segments, so one full batch
 * from a minimum-size queue (about 1 MiB) fits beside the segment being delivered and
 * `drop_oldest` has whole segments to evict; the other 8 MiB keeps several failover files. Below
 * that, batches stop fitting at all and every record is dropped as `disk_full`.
 */
export const MIN_DISK_BYTES = 16 * 2 ** 20;

/**
 * What `SPILLWAY_SAMPLING=all` sets: every ratio 1, trace silencing off, no rate limits.
 * `SPILLWAY_TRACE_SILENCE_AFTER` and `SPILLWAY_RATE_LIMITS`, when set, still win (they are read
 * after it).
 */
function keepAll(): Pick<SpillwayConfig, 'ratios' | 'traceSilenceAfter' | 'rateLimits'> {
  return {
    ratios: { fatal: 1, error: 1, warn: 1, info: 1, debug: 1, trace: 1 },
    traceSilenceAfter: 0,
    rateLimits: {},
  };
}

type Env = Record<string, string | undefined>;

interface Variable {
  variable: string;
  defaultText: string;
  /** The value used instead when `SPILLWAY_SAMPLING=all` is set and this variable is not. */
  keepAllText?: string;
  /** Parses the value and stores it in the config; returns what went wrong, if anything. */
  apply(text: string, config: SpillwayConfig): Parsed<unknown>;
}

function set<K extends keyof SpillwayConfig>(
  key: K,
  parse: (text: string) => Parsed<SpillwayConfig[K]>,
): Variable['apply'] {
  return (text, config) => {
    const v = parse(text);
    if (!isInvalid(v)) config[key] = v;
    return v;
  };
}

const positiveDuration = (text: string) => {
  const v = parseDuration(text);
  return !isInvalid(v) && v === 0 ? { invalid: true as const, expected: 'a duration > 0' } : v;
};

/**
 * Every variable spillway reads itself, in documentation order. The OTLP exporter reads its own
 * `OTEL_EXPORTER_OTLP_LOGS_*` variables; `OTEL_SERVICE_NAME` / `OTEL_RESOURCE_ATTRIBUTES` are
 * read for the service name (the LoggerProvider's resource reads them too).
 */
const VARIABLES: Variable[] = [
  {
    variable: 'SPILLWAY_DIR',
    defaultText: '<tmpdir>/spillway/<service.name>',
    apply: set('directory', parseDirectory),
  },
  {
    variable: 'SPILLWAY_SAMPLING',
    defaultText: 'fatal=1,error=1,warn=0.1,info=0.001,debug=0.001,trace=0.001',
    apply: (text, config) => {
      const v = parseRatios(text);
      if (v === 'all') Object.assign(config, keepAll());
      else if (!isInvalid(v)) config.ratios = { ...config.ratios, ...v };
      return v;
    },
  },
  {
    variable: 'SPILLWAY_SAMPLING_NO_TRACE',
    defaultText: 'random',
    apply: set('noTraceContext', parseNoTraceContext),
  },
  {
    variable: 'SPILLWAY_TRACE_SILENCE_AFTER',
    defaultText: '50',
    keepAllText: '0',
    apply: set('traceSilenceAfter', (t) => parseInteger(t, 0)),
  },
  {
    variable: 'SPILLWAY_RATE_LIMITS',
    defaultText: 'warn=1000,error=200',
    keepAllText: 'none',
    apply: set('rateLimits', parseRateLimits),
  },
  { variable: 'SPILLWAY_FSYNC', defaultText: 'interval:200', apply: set('fsync', parseFsync) },
  {
    variable: 'SPILLWAY_MAX_DISK_BYTES',
    defaultText: '1GiB',
    apply: set('maxDiskBytes', (t) => parseSize(t, MIN_DISK_BYTES)),
  },
  {
    variable: 'SPILLWAY_MIN_FREE_BYTES',
    defaultText: '64MiB',
    apply: set('minFreeBytes', parseSize),
  },
  {
    variable: 'SPILLWAY_FAILOVER',
    defaultText: 'file',
    apply: set('failover', (t) => parseChoice(t, ['file', 'none'] as const)),
  },
  { variable: 'SPILLWAY_CONFIG_FILE', defaultText: 'unset', apply: set('configFile', (t) => t) },
  {
    variable: 'SPILLWAY_SHUTDOWN_TIMEOUT_MS',
    defaultText: '5000',
    apply: set('shutdownTimeoutMillis', positiveDuration),
  },
  {
    variable: 'SPILLWAY_MAX_QUEUE_BYTES',
    defaultText: '5% of the cgroup memory limit, within 1MiB–64MiB; 64MiB without a limit',
    apply: set('maxQueueBytes', (t) => parseSize(t, MIN_QUEUE_BYTES)),
  },
  {
    variable: 'SPILLWAY_REDACT',
    defaultText: 'rules, with the valid parts applied (an invalid part is ignored)',
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
  },
  {
    variable: 'SPILLWAY_MAX_VALUE_CHARS',
    defaultText: String(DEFAULT_MAX_VALUE_CHARS),
    apply: set('maxValueChars', (t) =>
      isInvalid(parseInteger(t, 0))
        ? invalid('a whole number of characters ≥ 0 (0 = no limit)')
        : parseInteger(t, 0),
    ),
  },
  {
    variable: 'OTEL_BLRP_MAX_QUEUE_SIZE',
    defaultText: '2048',
    apply: set('maxQueueSize', (t) => parseInteger(t, 1)),
  },
  {
    variable: 'OTEL_BLRP_MAX_EXPORT_BATCH_SIZE',
    defaultText: '512',
    apply: set('maxExportBatchSize', (t) => parseInteger(t, 1)),
  },
  {
    variable: 'OTEL_BLRP_SCHEDULE_DELAY',
    defaultText: '1000',
    apply: set('scheduledDelayMillis', positiveDuration),
  },
  {
    variable: 'OTEL_BLRP_EXPORT_TIMEOUT',
    defaultText: '30000',
    apply: set('exportTimeoutMillis', positiveDuration),
  },
];

/** The names of every variable spillway reads itself (the OTLP exporter reads its own). */
export const SPILLWAY_ENV_VARIABLES: readonly string[] = Object.freeze([
  ...VARIABLES.map((v) => v.variable),
  'OTEL_SERVICE_NAME',
  'OTEL_RESOURCE_ATTRIBUTES',
]);

/** Options of {@link readSpillwayConfig}. */
export interface ReadSpillwayConfigOptions {
  /** Where the cgroup file system is mounted. Default `/sys/fs/cgroup`. */
  cgroupRoot?: string;
}

/**
 * Reads the pipeline's configuration from `env` without side effects: every value not accepted
 * becomes a {@link ConfigProblem} (and its default is used), never an exception. Use it to show
 * or check a configuration (`spillway doctor` does); `createLogRecordProcessorFromEnv` calls it and
 * warns about each problem.
 */
export function readSpillwayConfig(
  env: Env = process.env,
  options: ReadSpillwayConfigOptions = {},
): SpillwayConfigReport {
  const serviceName = serviceNameFromEnv(env);
  const cgroupLimit = readCgroupMemoryLimit(options.cgroupRoot);
  const config: SpillwayConfig = {
    serviceName,
    directory: defaultDataDirectory(serviceName),
    ratios: { ...DEFAULT_RATIOS },
    noTraceContext: 'random',
    traceSilenceAfter: 50,
    rateLimits: { warn: 1000, error: 200 },
    fsync: { intervalMillis: 200 },
    maxDiskBytes: 2 ** 30,
    minFreeBytes: 64 * 2 ** 20,
    failover: 'file',
    configFile: undefined,
    shutdownTimeoutMillis: 5000,
    maxQueueBytes: queueBytesForLimit(cgroupLimit),
    redaction: defaultRedactSpec(),
    maxValueChars: DEFAULT_MAX_VALUE_CHARS,
    maxQueueSize: 2048,
    maxExportBatchSize: 512,
    scheduledDelayMillis: 1000,
    exportTimeoutMillis: 30_000,
  };
  const problems: ConfigProblem[] = [];
  const entries: ConfigEntry[] = [];
  let keepingAll = false;
  for (const spec of VARIABLES) {
    const raw = env[spec.variable];
    let source: ConfigEntry['source'] = 'default';
    if (spec.keepAllText !== undefined && keepingAll) source = 'SPILLWAY_SAMPLING=all';
    if (raw !== undefined && raw.trim() !== '') {
      const result = spec.apply(raw, config);
      if (isInvalid(result)) {
        const used = source === 'default' ? spec.defaultText : `${spec.keepAllText} (${source})`;
        problems.push(problem(spec, raw, result.expected, used));
      } else {
        source = 'env';
        if (spec.variable === 'SPILLWAY_SAMPLING' && result === 'all') keepingAll = true;
      }
    }
    if (
      source === 'default' &&
      spec.variable === 'SPILLWAY_MAX_QUEUE_BYTES' &&
      cgroupLimit !== undefined
    ) {
      source = 'cgroup';
    }
    entries.push({ variable: spec.variable, value: valueText(spec.variable, config), source });
  }
  return { config, problems, entries };
}

/** The value a variable stands for, as text in the variable's own form. */
function valueText(variable: string, c: SpillwayConfig): string {
  switch (variable) {
    case 'SPILLWAY_DIR':
      return c.directory;
    case 'SPILLWAY_SAMPLING':
      return Object.entries(c.ratios)
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
    case 'SPILLWAY_SAMPLING_NO_TRACE':
      return typeof c.noTraceContext === 'string'
        ? c.noTraceContext
        : `attr:${c.noTraceContext.attribute}`;
    case 'SPILLWAY_TRACE_SILENCE_AFTER':
      return String(c.traceSilenceAfter);
    case 'SPILLWAY_RATE_LIMITS': {
      const e = Object.entries(c.rateLimits);
      return e.length === 0 ? 'none' : e.map(([k, v]) => `${k}=${v}`).join(',');
    }
    case 'SPILLWAY_FSYNC':
      return typeof c.fsync === 'string' ? c.fsync : `interval:${c.fsync.intervalMillis}`;
    case 'SPILLWAY_MAX_DISK_BYTES':
      return formatSize(c.maxDiskBytes);
    case 'SPILLWAY_MIN_FREE_BYTES':
      return formatSize(c.minFreeBytes);
    case 'SPILLWAY_FAILOVER':
      return c.failover;
    case 'SPILLWAY_CONFIG_FILE':
      return c.configFile ?? 'unset';
    case 'SPILLWAY_SHUTDOWN_TIMEOUT_MS':
      return String(c.shutdownTimeoutMillis);
    case 'SPILLWAY_MAX_QUEUE_BYTES':
      return formatSize(c.maxQueueBytes);
    case 'SPILLWAY_REDACT':
      return formatRedactSpec(c.redaction);
    case 'SPILLWAY_MAX_VALUE_CHARS':
      return String(c.maxValueChars);
    case 'OTEL_BLRP_MAX_QUEUE_SIZE':
      return String(c.maxQueueSize);
    case 'OTEL_BLRP_MAX_EXPORT_BATCH_SIZE':
      return String(c.maxExportBatchSize);
    case 'OTEL_BLRP_SCHEDULE_DELAY':
      return String(c.scheduledDelayMillis);
    case 'OTEL_BLRP_EXPORT_TIMEOUT':
      return String(c.exportTimeoutMillis);
    default:
      return '';
  }
}

function problem(spec: Variable, value: string, expected: string, used: string): ConfigProblem {
  return {
    variable: spec.variable,
    value,
    expected,
    defaultText: used,
    message: `${spec.variable}=${JSON.stringify(value)} is not valid: expected ${expected}; using the default ${used}.`,
  };
}

/** `OTEL_SERVICE_NAME`, else `service.name` in `OTEL_RESOURCE_ATTRIBUTES`, as the SDK resolves it. */
