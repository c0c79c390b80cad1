import { diag } from '@opentelemetry/api';
import {
  SEVERITY_CLASS_COUNT,
  SEVERITY_CLASSES,
  SeverityClass,
  type SeverityClassName,
} from '@spillway/record-format';
import { MAX_THRESHOLD, probabilityToThreshold, thresholdToHex } from '../threshold';
import type {
  EffectiveSamplingPolicy,
  NoTraceContextPolicy,
  RateLimits,
  SamplingLogRecordProcessorOptions,
  SamplingPolicy,
  SeverityRatios,
  TemplateKey,
} from '../types';
import type { Clock } from './clock';
import { TemplateBudget } from './template-budget';

/** Defaults of the policy (the documented `SPILLWAY_SAMPLING` and `SPILLWAY_RATE_LIMITS` defaults). */
// Frozen and exported from the package: @spillway/config's environment defaults are these objects.
export const DEFAULT_RATIOS: Readonly<Record<SeverityClassName, number>> = Object.freeze({
  trace: 0.001,
  debug: 0.001,
  info: 0.001,
  warn: 0.1,
  error: 1,
  fatal: 1,
});
// ERROR's budget is what its flood's adjusted count needs (about 1/√(records kept) relative
// error: ±2% at 1,000/s over 3 s); the other error templates do not depend on it (the floor).
export const DEFAULT_RATE_LIMITS: Readonly<RateLimits> = Object.freeze({ warn: 1000, error: 1000 });
export const DEFAULT_TRACE_SILENCE_AFTER = 50;

/** How records without trace context are decided (see NoTraceContextPolicy). */
export const NoTrace = { RANDOM: 0, KEEP: 1, DROP: 2, ATTRIBUTE: 3 } as const;
const NO_TRACE_NAMES = ['random', 'keep', 'drop'] as const;

/** `keepAll`'s base: the parts given beside it are merged over it. */
function overKeepAll(p: SamplingPolicy): SamplingPolicy {
  return {
    ratios: { trace: 1, debug: 1, info: 1, warn: 1, error: 1, ...p.ratios },
    rateLimits: { trace: 0, debug: 0, info: 0, warn: 0, error: 0, ...p.rateLimits },
    traceSilenceAfter: p.traceSilenceAfter ?? 0,
    noTraceContext: p.noTraceContext ?? 'random',
  };
}

/**
 * The sampling policy compiled for the hot path: per class, the threshold, split in two numbers
 * (high 24 / low 32 bits) so that "R ≥ T" is two number comparisons, and its `th` hex; the
 * template budgets of the classes with a rate limit. Everything is validated before anything is
 * changed, so an update is all-or-nothing.
 */
export class PolicyState {
  readonly ratios = new Float64Array(SEVERITY_CLASS_COUNT);
  readonly cfgHi = new Float64Array(SEVERITY_CLASS_COUNT);
  readonly cfgLo = new Float64Array(SEVERITY_CLASS_COUNT);
  /**
   * The class ratios in force: the configured ones (template thinning lowers the rate of a
   * template, never of a class); read by the `effective_ratio` metric.
   */
  readonly effRatio = this.ratios;
  /**
   * 1 when a record of the class is kept whatever its trace: ratio 1, not subject to silencing,
   * and records without trace context not dropped. Both enabled() and onEmit skip the randomness
   * then (the template step, onEmit only, reads it when it thins).
   */
  readonly keepsAll = new Uint8Array(SEVERITY_CLASS_COUNT);
  /** `th` of the class threshold; '' when the ratio is 1 (no attribute). */
  readonly effHex: string[] = new Array<string>(SEVERITY_CLASS_COUNT).fill('');
  /** The template budget of each class with a rate limit. */
  readonly budgets: (TemplateBudget | undefined)[] = new Array<TemplateBudget | undefined>(
    SEVERITY_CLASS_COUNT,
  ).fill(undefined);
  silenceAfter = DEFAULT_TRACE_SILENCE_AFTER;
  noTraceMode: number = NoTrace.RANDOM;
  noTraceAttribute = '';
  /** The attribute whose value is a record's template; '' = event name, else the body's shape. */
  readonly templateAttribute: string;
  /** Counts the updates applied: a decision remembered under another version is stale. */
  version = 0;

  constructor(
    policy: SamplingLogRecordProcessorOptions | SamplingPolicy,
    private readonly rateLimitIntervalMillis: number,
    private readonly clock: Clock,
  ) {
    this.templateAttribute = checkTemplateKey(
      (policy as { templateKey?: TemplateKey }).templateKey,
    );
    for (let c = 0; c < SEVERITY_CLASS_COUNT; c++)
      this.ratios[c] = DEFAULT_RATIOS[SEVERITY_CLASSES[c]!];
    this.update(
      policy.keepAll === true
        ? policy
        : {
            ...policy,
            ratios: policy.ratios ?? {},
            rateLimits: { ...DEFAULT_RATE_LIMITS, ...policy.rateLimits },
          },
    );
  }

  /**
   * Validates `update` whole, then merges it over the policy in force (over the keep-everything
   * base with `keepAll`). @throws RangeError naming the bad value.
   */
  update(update: SamplingPolicy): void {
    if (update.keepAll !== undefined && typeof update.keepAll !== 'boolean') {
      throw new RangeError(`keepAll must be a boolean, got ${JSON.stringify(update.keepAll)}`);
    }
    const policy = update.keepAll === true ? overKeepAll(update) : update;
    const ratios = policy.ratios === undefined ? undefined : checkRatios(policy.ratios);
    const limits = policy.rateLimits === undefined ? undefined : checkLimits(policy.rateLimits);
    const silence = policy.traceSilenceAfter;
    if (silence !== undefined && !(Number.isInteger(silence) && silence >= 0)) {
      throw new RangeError(`traceSilenceAfter must be an integer ≥ 0, got ${String(silence)}`);
    }
    const noTrace =
      policy.noTraceContext === undefined ? undefined : checkNoTrace(policy.noTraceContext);

    if (ratios !== undefined) {
      for (const [c, r] of ratios) this.ratios[c] = r;
      for (let c = 0; c < SEVERITY_CLASS_COUNT; c++) {
        const t = probabilityToThreshold(this.ratios[c]!);
        this.cfgHi[c] = Number(t >> 32n);
        this.cfgLo[c] = Number(t & 0xffffffffn);
      }
    }
    if (limits !== undefined) {
      for (const [c, limit] of limits) {
        const current = this.budgets[c];
        if (limit === 0) this.budgets[c] = undefined;
        else if (current === undefined || current.limit !== limit) {
          // A new budget starts from no history: the templates are shared out again within one
          // interval (a new template claims its share in-interval).
          this.clock.read();
          this.budgets[c] = new TemplateBudget(
            limit,
            c,
            this.rateLimitIntervalMillis,
            this.clock.now,
          );
        }
      }
    }
    if (silence !== undefined) this.silenceAfter = silence;
    if (noTrace !== undefined) {
      this.noTraceMode = noTrace.mode;
      this.noTraceAttribute = noTrace.attribute;
    }
    for (let c = 0; c < SEVERITY_CLASS_COUNT; c++) this.refreshEffective(c);
    this.version++;
  }

  /** The policy in force, every part set (what `updatePolicy` merged into). */
  snapshot(): EffectiveSamplingPolicy {
    const ratios = {} as Record<SeverityClassName, number>;
    const rateLimits: RateLimits = {};
    for (let c = SEVERITY_CLASS_COUNT - 1; c >= 0; c--) {
      const name = SEVERITY_CLASSES[c]!;
      ratios[name] = this.ratios[c]!;
      const budget = this.budgets[c];
      if (budget !== undefined) rateLimits[name] = budget.limit;
    }
    const noTraceContext: NoTraceContextPolicy =
      this.noTraceMode === NoTrace.ATTRIBUTE
        ? { attribute: this.noTraceAttribute }
        : NO_TRACE_NAMES[this.noTraceMode]!;
    return { ratios, rateLimits, traceSilenceAfter: this.silenceAfter, noTraceContext };
  }

  /** Recomputes class `c`'s `th` and keep-all flag from its ratio. */
  refreshEffective(c: number): void {
    const t = probabilityToThreshold(this.ratios[c]!);
    this.effHex[c] = t === 0n || t >= MAX_THRESHOLD ? '' : thresholdToHex(t);
    this.keepsAll[c] =
      t === 0n &&
      (c > SeverityClass.INFO || this.silenceAfter === 0) &&
      this.noTraceMode !== NoTrace.DROP
        ? 1
        : 0;
  }
}

function classIndex(name: string): number {
  const c = SEVERITY_CLASSES.indexOf(name as SeverityClassName);
  if (c < 0) {
    throw new RangeError(
      `unknown severity class "${name}": expected one of ${SEVERITY_CLASSES.join(', ')}`,
    );
  }
  return c;
}

function checkRatios(ratios: SeverityRatios): [number, number][] {
  const out: [number, number][] = [];
  for (const [name, r] of Object.entries(ratios)) {
    const c = classIndex(name);
    if (r === undefined) continue;
    if (typeof r !== 'number' || !(r >= 0 && r <= 1)) {
      throw new RangeError(`ratio for ${name} must be a number in [0, 1], got ${String(r)}`);
    }
    if (c === SeverityClass.FATAL) {
      if (r !== 1) diag.warn(`@spillway/sampling: FATAL is never sampled; ratio ${r} ignored`);
      continue;
    }
    out.push([c, r]);
  }
  return out;
}

function checkLimits(limits: RateLimits): [number, number][] {
  const out: [number, number][] = [];
  for (const [name, l] of Object.entries(limits)) {
    const c = classIndex(name);
    if (l === undefined) continue;
    if (typeof l !== 'number' || !(l >= 0)) {
      throw new RangeError(`rate limit for ${name} must be a number ≥ 0 (records/s), got ${l}`);
    }
    if (c === SeverityClass.FATAL) {
      diag.warn('@spillway/sampling: FATAL is never rate-limited; its limit is ignored');
      continue;
    }
    out.push([c, l === Number.POSITIVE_INFINITY ? 0 : l]);
  }
  return out;
}

function checkNoTrace(p: NoTraceContextPolicy): { mode: number; attribute: string } {
  if (p === 'random') return { mode: NoTrace.RANDOM, attribute: '' };
  if (p === 'keep') return { mode: NoTrace.KEEP, attribute: '' };
  if (p === 'drop') return { mode: NoTrace.DROP, attribute: '' };
  if (typeof p === 'object' && p !== null && typeof p.attribute === 'string' && p.attribute) {
    return { mode: NoTrace.ATTRIBUTE, attribute: p.attribute };
  }
  throw new RangeError(
    `noTraceContext must be 'random', 'keep', 'drop' or { attribute: string }, got ${JSON.stringify(p)}`,
  );
}

// The `templateKey` option: '' for 'body' (event name, else the body's shape), else the attribute.
function checkTemplateKey(k: TemplateKey | undefined): string {
  if (k === undefined || k === 'body') return '';
  if (typeof k === 'object' && k !== null && typeof k.attribute === 'string' && k.attribute) {
    return k.attribute;
  }
  throw new RangeError(
    `templateKey must be 'body' or { attribute: string }, got ${JSON.stringify(k)}`,
  );
}
