import {
  CLASS_NAMES,
  type ClassName,
  type ClassTable,
  parseNoTraceContext,
} from './sampling-values';
import type { SamplingPolicyFile } from './types';
import { isInvalid } from './value-parsers';

/**
 * Parses a `SPILLWAY_CONFIG_FILE` document. Returns the policy, or a reason naming what is wrong
 * (the caller keeps the last good policy and warns with it).
 */
export function parseSamplingPolicyFile(text: string): SamplingPolicyFile | { error: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return { error: `not JSON (${(e as Error).message})` };
  }
  if (!isObject(doc)) return { error: 'expected a JSON object' };
  const policy: SamplingPolicyFile = {};
  for (const [key, value] of Object.entries(doc)) {
    switch (key) {
      case 'ratios': {
        const t = classTable(value, (n) => n >= 0 && n <= 1, 'ratios');
        if ('error' in t) return t;
        if (t.table.fatal !== undefined && t.table.fatal !== 1) {
          return { error: 'ratios.fatal must be 1 (FATAL is never sampled)' };
        }
        policy.ratios = t.table;
        break;
      }
      case 'rateLimits': {
        // 0 removes a limit the environment set (the file is merged class by class).
        const t = classTable(value, (n) => Number.isFinite(n) && n >= 0, 'rateLimits');
        if ('error' in t) return t;
        if (t.table.fatal !== undefined)
          return { error: 'rateLimits.fatal: FATAL is never rate-limited' };
        policy.rateLimits = t.table;
        break;
      }
      case 'traceSilenceAfter':
        if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
          return { error: 'traceSilenceAfter must be a whole number ≥ 0' };
        }
        policy.traceSilenceAfter = value;
        break;
      case 'noTraceContext': {
        const v =
          // The object form is checked as the `attr:<key>` form is: an empty key would make the
          // processor refuse the whole policy at start-up.
          isObject(value) && typeof value.attribute === 'string'
            ? parseNoTraceContext(`attr:${value.attribute}`)
            : typeof value === 'string'
              ? parseNoTraceContext(value)
              : parseNoTraceContext('');
        if (isInvalid(v))
          return { error: `noTraceContext must be ${v.expected} or {"attribute": "<key>"}` };
        policy.noTraceContext = v;
        break;
      }
      default:
        return {
          error: `unknown key "${key}" (expected ratios, rateLimits, traceSilenceAfter, noTraceContext)`,
        };
    }
  }
  return policy;
}

function classTable(
  value: unknown,
  valid: (n: number) => boolean,
  name: string,
): { table: ClassTable } | { error: string } {
  if (!isObject(value)) return { error: `${name} must be an object of class: number` };
  const table: ClassTable = {};
  for (const [cls, n] of Object.entries(value)) {
    if (!(CLASS_NAMES as readonly string[]).includes(cls)) {
      return { error: `${name}.${cls}: unknown class (expected ${CLASS_NAMES.join(', ')})` };
    }
    if (typeof n !== 'number' || !valid(n))
      return { error: `${name}.${cls}: ${JSON.stringify(n)} out of range` };
    table[cls as ClassName] = n;
  }
  return { table };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
