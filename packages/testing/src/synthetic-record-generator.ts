import { SEVERITY_CLASSES, type SeverityClassName } from '@spillway/record-format';
import { RecordParameters } from './internal/record-parameters';
import { type RecordContent, RecordSequence } from './internal/record-sequence';
import { ENTRY_SERVICES, SERVICES, type Service } from './internal/services';
import { javaStackTrace, nodeStackTrace } from './internal/stack-traces';
import type { RecordGeneratorOptions } from './types';

/** Weight of each severity class in the generated mix (weights need not sum to 1). */
export type LevelMix = Record<SeverityClassName, number>;

/** A production-like mix: mostly INFO, a tenth WARN, a few percent ERROR, 1% FATAL. */
export const DEFAULT_LEVEL_MIX: Readonly<LevelMix> = Object.freeze({
  trace: 0.02,
  debug: 0.05,
  info: 0.75,
  warn: 0.13,
  error: 0.04,
  fatal: 0.01,
});

/** Options of {@link SyntheticRecordGenerator}. */
export interface SyntheticRecordGeneratorOptions extends RecordGeneratorOptions {
  /**
   * Weights per severity class; a class left out gets weight 0. Default
   * {@link DEFAULT_LEVEL_MIX}.
   */
  levelMix?: Partial<LevelMix>;
}

/** Bodies stay within these bounds, as the messages of real services mostly do. */
export const BODY_LENGTH = Object.freeze({ min: 20, max: 2000 });

// Share of ERROR / FATAL records whose body carries the stack trace (the rest log the message).
const STACK_TRACE_SHARE: Partial<Record<SeverityClassName, number>> = { error: 0.5, fatal: 0.9 };
const BY_NAME = new Map(SERVICES.map((s) => [s.name, s]));
const ENTRY_WEIGHTS = ENTRY_SERVICES.map((e) => e.weight);

/**
 * Realistic log records made up on the spot, for tests and benchmarks that must not depend on
 * any data set: six simulated services (an HTTP API, checkout/payments, a database pool, a Kafka
 * consumer, auth, a Redis cache) write their kinds of messages with fresh parameters (order and
 * user ids, UUIDs, IPs, latencies with a long tail, user agents, SQL, URLs), in the configured
 * severity mix, with Java- or Node-style stack traces on some ERROR and FATAL records.
 *
 * Records share trace contexts as requests do: `concurrentTraces` traces interleave, each
 * spanning about `recordsPerTrace` records over a tree of spans (a root span at the API or the
 * consumer, child spans in the services it calls), and a `noTraceContextShare` of records
 * (background work) has none.
 *
 * Guarantees: the same options (seed included) give the same records on every platform; bodies
 * are {@link BODY_LENGTH} 20–2,000 characters; every record has 3–6 attributes, `code.namespace`
 * among them, plus the `idAttribute`.
 */
export class SyntheticRecordGenerator extends RecordSequence<Service> {
  private readonly params: RecordParameters;
  private readonly classWeights: number[];

  constructor(options: SyntheticRecordGeneratorOptions = {}) {
    // One seeded sequence feeds the trace scheduler and the templates alike.
    const params = new RecordParameters(options.seed ?? 1);
    super(
      params,
      options,
      () => ENTRY_SERVICES[params.weighted(ENTRY_WEIGHTS)]!.service,
      (parent) => (parent.calls.length > 0 ? BY_NAME.get(params.pick(parent.calls))! : parent),
    );
    this.params = params;
    this.classWeights = levelWeights(options.levelMix);
  }

  protected override draw(service: Service | undefined): RecordContent {
    const p = this.params;
    const svc = service ?? p.pick(SERVICES);
    const cls = p.weighted(this.classWeights);
    const name = SEVERITY_CLASSES[cls]!;
    const draft = p.pick(svc.templates[name])(p);
    let body = draft.body;
    if (draft.exception) {
      body = p.chance(STACK_TRACE_SHARE[name] ?? 0)
        ? `${body}\n${
            svc.runtime.kind === 'java'
              ? javaStackTrace(p, draft.exception, svc.appFrames, svc.runtime.entry)
              : nodeStackTrace(p, draft.exception, svc.appFrames)
          }`
        : `${body}: ${draft.exception.type}: ${draft.exception.message.split('\n')[0]}`;
    }
    return {
      severityNumber: cls * 4 + 1,
      severityText: name.toUpperCase(),
      body: fitBody(body),
      attributes: { 'code.namespace': p.pick(svc.namespaces), ...draft.attributes },
    };
  }
}

function levelWeights(mix: Partial<LevelMix> | undefined): number[] {
  const weights = SEVERITY_CLASSES.map((c) => (mix ? (mix[c] ?? 0) : DEFAULT_LEVEL_MIX[c]));
  for (const [i, w] of weights.entries()) {
    if (!(w >= 0 && w < Infinity)) {
      throw new RangeError(`levelMix.${SEVERITY_CLASSES[i]} must be a finite number ≥ 0, got ${w}`);
    }
  }
  if (weights.every((w) => w === 0)) throw new RangeError('levelMix gives every class weight 0');
  return weights;
}

/** Cuts a body over the maximum at a line (a stack trace loses its outer frames) or a char. */
function fitBody(body: string): string {
  if (body.length <= BODY_LENGTH.max) return body;
  const lines = body.split('\n');
  if (lines.length > 1) {
    let kept = lines[0]!.slice(0, BODY_LENGTH.max - 20);
    let i = 1;
    for (; i < lines.length && kept.length + lines[i]!.length + 20 < BODY_LENGTH.max; i++) {
      kept += `\n${lines[i]}`;
    }
    return `${kept}\n\t... ${lines.length - i} more`;
  }
  return `${body.slice(0, BODY_LENGTH.max - 1)}…`;
}
