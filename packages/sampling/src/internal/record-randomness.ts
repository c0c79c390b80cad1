import type { SpanContext } from '@opentelemetry/api';
import type { PolicyState } from './policy-state';
import { Reason } from './processor-stats';
import { hashNumber56, hashString56, TraceRandomnessReader } from './trace-randomness';

const TWO_24 = 2 ** 24;
const TWO_32 = 2 ** 32;
/** What compare() returns for a kept record (else the drop reason). */
export const KEEP = -1;

/**
 * The randomness R of the record being decided, and its comparison with the class thresholds: R
 * comes from the trace context, or for a record without one from an attribute hash or a random
 * draw (shared between `enabled()` and the `onEmit()` that follows). Which source applies is the
 * decider's choice (sampling-decider.ts). Written in place: the hot path allocates nothing.
 */
export class RecordRandomness {
  private readonly reader = new TraceRandomnessReader();
  private readonly rand = { hi: 0, lo: 0 };
  // A draw made by enabled() for a record without trace context, used by the onEmit that follows,
  // so that both see the same decision.
  private pendingDraw = false;
  private pendingAsks = 0;
  private pendingHi = 0;
  private pendingLo = 0;

  constructor(private readonly policy: PolicyState) {}

  /** Sets R from a span context; false when it has no valid trace id. */
  fromTrace(sc: SpanContext): boolean {
    if (!this.reader.read(sc)) return false;
    this.rand.hi = this.reader.hi;
    this.rand.lo = this.reader.lo;
    return true;
  }

  /**
   * For `enabled()` on a record without trace context in random mode: compares a draw kept for the
   * `onEmit()` that follows (dropped again when the record is refused).
   */
  comparePending(cls: number): number {
    // One draw serves at most two enabled() calls (a bridge's, then Logger.emit's) and the
    // onEmit after them; a draw asked about more often belongs to a record never emitted.
    if (!this.pendingDraw || this.pendingAsks >= 2) {
      this.draw();
      this.pendingHi = this.rand.hi;
      this.pendingLo = this.rand.lo;
      this.pendingDraw = true;
      this.pendingAsks = 0;
    }
    this.pendingAsks++;
    this.rand.hi = this.pendingHi;
    this.rand.lo = this.pendingLo;
    const outcome = this.compare(cls);
    if (outcome !== KEEP) this.pendingDraw = false;
    return outcome;
  }

  /**
   * Sets R for a record without trace context in random mode: the draw `enabled()` made for it, if
   * one is pending, else a new one.
   */
  fromDraw(): void {
    if (this.pendingDraw) {
      this.pendingDraw = false;
      this.rand.hi = this.pendingHi;
      this.rand.lo = this.pendingLo;
    } else {
      this.draw();
    }
  }

  /**
   * Sets R from an attribute value (the `noTraceContext: { attribute }` mode): a hash of a string
   * or number, so equal values are decided alike; a draw for any other value.
   */
  fromAttribute(v: unknown): void {
    if (typeof v === 'string') hashString56(v, this.rand);
    else if (typeof v === 'number') hashNumber56(v, this.rand);
    else this.draw();
  }

  private draw(): void {
    this.rand.hi = Math.floor(Math.random() * TWO_24);
    this.rand.lo = Math.floor(Math.random() * TWO_32);
  }

  /** KEEP when R ≥ the class's threshold; else `sampled`. */
  compare(cls: number): number {
    const p = this.policy;
    return this.atLeast(p.cfgHi[cls]!, p.cfgLo[cls]!) ? KEEP : Reason.SAMPLED;
  }

  /** Whether R ≥ the threshold split as `hi` (top 24 bits) and `lo` (low 32 bits). */
  atLeast(hi: number, lo: number): boolean {
    const h = this.rand.hi;
    return h > hi || (h === hi && this.rand.lo >= lo);
  }
}
