// Where every value comes from, in one rule (highest first):
//
//   code (`createLogRecordProcessorFromEnv`'s overrides, applied by @spillway/node)
//   > OTEL_CONFIG_FILE's `spillway` processor when a file is set, else the environment
//   > the defaults in variables.ts
//
// With a file, the SPILLWAY_* and OTEL_BLRP_* variables are ignored (as the declarative
// configuration spec says of every variable) and a warning names those that are set; the file
// itself may still use them through ${VAR} substitution.

import { parseOtlpGrpcSettings } from './config-file/otlp-grpc-settings';
import { configFileOf, isObject, readConfigFile } from './config-file/read-config-file';
import { ignoredVariablesMessage, invalidValueMessage } from './config-warning';
import { readCgroupMemoryLimit } from './internal/cgroup-memory';
import { serviceNameFromEnv, UNKNOWN_SERVICE_NAME } from './service-name';
import type {
  ConfigEntry,
  ConfigProblem,
  ReadSpillwayConfigOptions,
  SpillwayConfig,
  SpillwayConfigReport,
} from './types';
import { isInvalid } from './value-parsers';
import { VARIABLES, type Variable } from './variables';

type Env = Record<string, string | undefined>;

/** The names of every variable spillway reads itself (the OTLP exporter reads its own). */
export const SPILLWAY_ENV_VARIABLES: readonly string[] = Object.freeze([
  ...VARIABLES.map((v) => v.variable),
  'OTEL_SERVICE_NAME',
  'OTEL_RESOURCE_ATTRIBUTES',
  'OTEL_CONFIG_FILE',
  'OTEL_EXPERIMENTAL_CONFIG_FILE',
  'OTEL_SDK_DISABLED',
]);

/** One value as a source gives it: the text to parse and the name to warn with. */
type Lookup = (spec: Variable) => { name: string; text: string } | undefined;

/**
 * Reads the pipeline's configuration without side effects: from `OTEL_CONFIG_FILE` (or
 * `OTEL_EXPERIMENTAL_CONFIG_FILE`) when set, else from `env`. Every value not accepted becomes a
 * {@link ConfigProblem} (and its default is used), never an exception; a file that cannot be used
 * is a problem too, and the environment is read instead. Use it to show or check a configuration
 * (`spillway doctor` does); `createLogRecordProcessorFromEnv` calls it and warns about each
 * problem and warning.
 */
export function readSpillwayConfig(
  env: Env = process.env,
  options: ReadSpillwayConfigOptions = {},
): SpillwayConfigReport {
  const named = configFileOf(env);
  if (named === undefined) return fromEnv(env, options, [], []);
  const file = readConfigFile(named.path, env);
  if ('error' in file) {
    const expected = `a readable declarative configuration file (YAML), but ${file.error}`;
    const used = 'the environment (SPILLWAY_*)';
    const problem: ConfigProblem = {
      variable: named.variable,
      value: named.path,
      expected,
      defaultText: used,
      message: invalidValueMessage(named.variable, named.path, expected, used),
    };
    return { ...fromEnv(env, options, [problem], []), file: named.path };
  }
  const warnings = [...file.warnings];
  const ignored = VARIABLES.map((v) => v.variable).filter((n) => env[n]?.trim());
  if (ignored.length > 0) warnings.push(ignoredVariablesMessage(named.variable, ignored));
  if (file.properties === undefined)
    warnings.push(
      `${named.variable} ${named.path} lists no "spillway" processor under logger_provider.processors; using spillway's defaults.`,
    );
  const report = spillwayConfigFromProperties(file.properties ?? {}, {
    ...options,
    serviceName: options.serviceName || file.serviceName || serviceNameFromEnv(env),
  });
  return { ...report, warnings: [...warnings, ...report.warnings], file: named.path };
}

/** Options of {@link spillwayConfigFromProperties}; `serviceName` defaults to `unknown_service:node`. */
export type PropertiesOptions = ReadSpillwayConfigOptions;

/**
 * The configuration a `spillway` processor's property map gives (the map a declarative
 * configuration file holds under `logger_provider.processors[].spillway`, after substitution):
 * what a `PluginComponentProvider` for spillway receives. Each property is parsed exactly as its
 * variable is; unknown properties are warned about.
 */
export function spillwayConfigFromProperties(
  properties: Record<string, unknown>,
  options: PropertiesOptions = {},
): SpillwayConfigReport {
  const warnings: string[] = [];
  const known = new Set(VARIABLES.map((v) => v.property));
  for (const key of flatKeys(properties))
    if (!known.has(key) && key !== 'exporter')
      warnings.push(
        `spillway.${key}: unknown property, ignored (known: ${[...known, 'exporter'].join(', ')}).`,
      );
  const lookup: Lookup = (spec) => {
    const value = valueAt(properties, spec.property);
    if (value === undefined || value === null) return undefined;
    return { name: `spillway.${spec.property}`, text: toText(value) };
  };
  const report = read(lookup, options.serviceName || UNKNOWN_SERVICE_NAME, options, 'file', []);
  report.config.otlp = parseOtlpGrpcSettings(properties.exporter, report.problems);
  return { ...report, warnings };
}

function fromEnv(
  env: Env,
  options: ReadSpillwayConfigOptions,
  problems: ConfigProblem[],
  warnings: string[],
): SpillwayConfigReport {
  const lookup: Lookup = (spec) => {
    const text = env[spec.variable];
    return text === undefined ? undefined : { name: spec.variable, text };
  };
  const serviceName = options.serviceName || serviceNameFromEnv(env);
  return { ...read(lookup, serviceName, options, 'env', problems), warnings };
}

function read(
  lookup: Lookup,
  serviceName: string,
  options: ReadSpillwayConfigOptions,
  sourceName: 'env' | 'file',
  problems: ConfigProblem[],
): SpillwayConfigReport {
  const cgroupLimit = readCgroupMemoryLimit(options.cgroupRoot);
  const config = { serviceName } as SpillwayConfig;
  for (const spec of VARIABLES) spec.initial(config, { serviceName, cgroupLimit });
  const entries: ConfigEntry[] = [];
  let keepingAll = false;
  for (const spec of VARIABLES) {
    const given = lookup(spec);
    let source: ConfigEntry['source'] = 'default';
    if (spec.keepAllText !== undefined && keepingAll) source = 'SPILLWAY_SAMPLING=all';
    if (given !== undefined && given.text.trim() !== '') {
      const result = spec.apply(given.text, config);
      if (isInvalid(result)) {
        const used = source === 'default' ? spec.defaultText : `${spec.keepAllText} (${source})`;
        problems.push({
          variable: given.name,
          value: given.text,
          expected: result.expected,
          defaultText: used,
          message: invalidValueMessage(given.name, given.text, result.expected, used),
        });
      } else {
        source = sourceName;
        if (spec.variable === 'SPILLWAY_SAMPLING' && result === 'all') keepingAll = true;
      }
    }
    if (
      source === 'default' &&
      spec.variable === 'SPILLWAY_MAX_QUEUE_BYTES' &&
      cgroupLimit !== undefined
    )
      source = 'cgroup';
    entries.push({ variable: spec.variable, value: spec.format(config), source });
  }
  return { config, problems, entries, warnings: [], file: undefined };
}

function valueAt(properties: Record<string, unknown>, path: string): unknown {
  let v: unknown = properties;
  for (const part of path.split('.')) {
    if (!isObject(v) || !Object.hasOwn(v, part)) return undefined;
    v = v[part];
  }
  return v;
}

/** `sampling.ratios`-style keys of the map, one level into `sampling`. */
function flatKeys(properties: Record<string, unknown>): string[] {
  const keys: string[] = [];
  for (const [k, v] of Object.entries(properties)) {
    if (k === 'sampling' && isObject(v)) for (const s of Object.keys(v)) keys.push(`sampling.${s}`);
    else keys.push(k);
  }
  return keys;
}

/**
 * A property value as its variable's text: a mapping becomes `key=value` pairs
 * (`{ info: 0.01 }` → `info=0.01`), a list is joined with commas, a scalar is its text.
 */
function toText(value: unknown): string {
  if (Array.isArray(value)) return value.map((v) => toText(v)).join(',');
  if (isObject(value))
    return Object.entries(value)
      .map(([k, v]) => `${k}=${toText(v)}`)
      .join(',');
  return String(value);
}
