import type { Context, SpanContext } from '@opentelemetry/api';
import { SEVERITY_CLASS_COUNT } from '@spillway/record-format';

/**
 * The context `enabled()` last refused in each class because its trace's randomness is below the
 * class threshold, so that the next record asked about in that context and class (a request's
 * next record: every record of a request shares its context object) is refused by a few
 * comparisons instead of a span lookup, a randomness read and a threshold comparison.
 *
 * Sound because such a refusal depends only on the trace (its id, or its tracestate's `rv`) and
 * the policy: a context holds one span context for good, the span context's id and state are
 * compared on every hit (it is meant to be immutable, not frozen), and any policy change
 * (`version`) empties the cache. Other refusals are not remembered: silencing ends when its trace
 * expires, and a record without trace context draws its own randomness.
 */
export class RefusedTraceCache {
  private readonly contexts: (Context | undefined)[] = new Array(SEVERITY_CLASS_COUNT).fill(
    undefined,
  );
  private readonly spanContexts: (SpanContext | undefined)[] = new Array(SEVERITY_CLASS_COUNT).fill(
    undefined,
  );
  private readonly traceIds: string[] = new Array<string>(SEVERITY_CLASS_COUNT).fill('');
  private readonly traceStates: unknown[] = new Array(SEVERITY_CLASS_COUNT).fill(undefined);
  private version = -1;

  /** The span context of `ctx`'s remembered refusal in class `cls` under policy `version`, if any. */
  get(cls: number, ctx: Context, version: number): SpanContext | undefined {
    if (this.contexts[cls] !== ctx || this.version !== version) return undefined;
    const sc = this.spanContexts[cls]!;
    return sc.traceId === this.traceIds[cls] && sc.traceState === this.traceStates[cls]
      ? sc
      : undefined;
  }

  /** Remembers that `ctx` (whose valid span context is `sc`) was refused by threshold in `cls`. */
  remember(cls: number, ctx: Context, sc: SpanContext, version: number): void {
    if (version !== this.version) {
      this.contexts.fill(undefined);
      this.spanContexts.fill(undefined);
      this.version = version;
    }
    this.contexts[cls] = ctx;
    this.spanContexts[cls] = sc;
    this.traceIds[cls] = sc.traceId;
    this.traceStates[cls] = sc.traceState;
  }
}
