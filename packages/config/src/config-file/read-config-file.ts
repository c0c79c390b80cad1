import { readFileSync, statSync } from 'node:fs';
import { parse } from 'yaml';
import { serviceNameFromAttributeList } from '../service-name';
import { SubstitutionError, substituteVariables } from './substitute-variables';

/** The variables naming the declarative configuration file, the current name first. */
export const CONFIG_FILE_VARIABLES = ['OTEL_CONFIG_FILE', 'OTEL_EXPERIMENTAL_CONFIG_FILE'] as const;

/**
 * The largest configuration file read: real ones are a few KiB; a bound keeps a wrong path (a log
 * file, a device) from being read into memory at start-up.
 */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;

/** Nesting deeper than this is refused (walking it must not exhaust the stack). */
const MAX_DEPTH = 64;

/** The processor name spillway answers to under `logger_provider.processors`. */
export const PROCESSOR_NAME = 'spillway';

/** What {@link readConfigFile} found. */
export interface ConfigFile {
  path: string;
  /** The `spillway` processor's properties (`{}` when listed without any), or undefined when absent. */
  properties: Record<string, unknown> | undefined;
  /** `service.name` from the file's `resource` block, if it names one. */
  serviceName: string | undefined;
  /** Things worth a warning that do not stop the file from being used. */
  warnings: string[];
}

/** The file named by `OTEL_CONFIG_FILE`, else `OTEL_EXPERIMENTAL_CONFIG_FILE`, with its variable. */
export function configFileOf(
  env: Record<string, string | undefined>,
): { variable: string; path: string } | undefined {
  for (const variable of CONFIG_FILE_VARIABLES) {
    const path = env[variable]?.trim();
    if (path) return { variable, path };
  }
  return undefined;
}

/**
 * Reads, parses and substitutes a declarative configuration file and finds the `spillway`
 * processor in it. Never throws: a missing, oversized, unreadable or invalid file is an `error`
 * naming the path and the cause.
 */
export function readConfigFile(
  path: string,
  env: Record<string, string | undefined>,
): ConfigFile | { error: string } {
  let text: string;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) return { error: `${path} is not a file` };
    if (stat.size > MAX_CONFIG_FILE_BYTES)
      return {
        error: `${path} is ${stat.size} bytes, more than the ${MAX_CONFIG_FILE_BYTES} accepted`,
      };
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return { error: `${path} cannot be read (${(e as Error).message})` };
  }
  let doc: unknown;
  try {
    // The alias bound stops a "billion laughs" document from expanding at start-up.
    doc = parse(text, { maxAliasCount: 100, prettyErrors: false });
  } catch (e) {
    return { error: `${path} is not valid YAML (${(e as Error).message.split('\n')[0]})` };
  }
  try {
    doc = substituteTree(doc, env, 0);
  } catch (e) {
    if (e instanceof SubstitutionError || e instanceof RangeError)
      return { error: `${path}: ${e.message}` };
    throw e;
  }
  if (doc === null || doc === undefined) doc = {};
  if (!isObject(doc)) return { error: `${path}: expected a mapping at the top level` };
  const warnings: string[] = [];
  return {
    path,
    properties: findProcessor(doc, path, warnings),
    serviceName: serviceNameOf(doc),
    warnings,
  };
}

function substituteTree(
  v: unknown,
  env: Record<string, string | undefined>,
  depth: number,
): unknown {
  if (depth > MAX_DEPTH) throw new RangeError(`nested deeper than ${MAX_DEPTH} levels`);
  if (typeof v === 'string') return substituteVariables(v, env);
  if (Array.isArray(v)) return v.map((x) => substituteTree(x, env, depth + 1));
  if (isObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = substituteTree(x, env, depth + 1);
    return out;
  }
  return v;
}

function findProcessor(
  doc: Record<string, unknown>,
  path: string,
  warnings: string[],
): Record<string, unknown> | undefined {
  const provider = doc.logger_provider;
  const processors = isObject(provider) ? provider.processors : undefined;
  if (!Array.isArray(processors)) return undefined;
  const found = processors.filter((p) => isObject(p) && Object.hasOwn(p, PROCESSOR_NAME));
  if (found.length > 1)
    warnings.push(
      `${path}: ${found.length} "${PROCESSOR_NAME}" processors under logger_provider.processors; using the first.`,
    );
  if (found.length === 0) return undefined;
  const properties = (found[0] as Record<string, unknown>)[PROCESSOR_NAME];
  if (properties === null || properties === undefined) return {};
  if (isObject(properties)) return properties;
  warnings.push(
    `${path}: the "${PROCESSOR_NAME}" processor's properties are not a mapping; using the defaults.`,
  );
  return {};
}

/** `resource.attributes` (a list of `{ name, value }`), else `resource.attributes_list`. */
function serviceNameOf(doc: Record<string, unknown>): string | undefined {
  const resource = doc.resource;
  if (!isObject(resource)) return undefined;
  if (Array.isArray(resource.attributes)) {
    for (const a of resource.attributes) {
      if (isObject(a) && a.name === 'service.name' && a.value !== undefined && a.value !== null) {
        const name = String(a.value).trim();
        if (name) return name;
      }
    }
  }
  if (typeof resource.attributes_list === 'string')
    return serviceNameFromAttributeList(resource.attributes_list);
  return undefined;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
