import { backoffMillis } from '@spillway/sampling';

/**
 * One target's circuit:
 *
 *   closed ──(failureThreshold consecutive failures)──▶ open ──(retry delay elapsed)──▶ half-open
 *     ▲                                                  ▲                                  │
 *     └──────────────(probe succeeds)────────────────────┼──────────────────────────────────┤
 *                                                        └──(probe fails: delay doubles)────┘
 *
 * The retry delay starts at `retryIntervalMillis` and doubles at each failed probe up to
 * `maxRetryIntervalMillis` (the one backoff rule, `backoffMillis`); no jitter (one process has one
 * circuit per target, so there is no herd to spread). Half-open is entered lazily, by the next admission check after the delay, and
 * admits exactly one probe at a time.
 */
export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitOptions {
  failureThreshold: number;
  retryIntervalMillis: number;
  maxRetryIntervalMillis: number;
  onChange: (from: CircuitState, to: CircuitState, reason: string) => void;
}

/** What {@link CircuitBreaker.admit} granted: a normal call, or the one half-open probe. */
export type Admission = 'call' | 'probe';

export class CircuitBreaker {
  private current: CircuitState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private retryDelay: number;
  private failedProbes = 0;
  private probing = false;
  private openMillisTotal = 0;
  private streakStart = 0;
  private closedAt: number;
  opens = 0;

  constructor(private readonly opts: CircuitOptions) {
    this.retryDelay = opts.retryIntervalMillis;
    this.closedAt = Date.now();
  }

  /** The state now (moves open → half-open when the delay has elapsed). */
  state(now = Date.now()): CircuitState {
    if (this.current === 'open' && now - this.openedAt >= this.retryDelay) {
      this.transition('half-open', `retry interval of ${this.retryDelay} ms elapsed`);
    }
    return this.current;
  }

  /** Consecutive failures counted towards the threshold. */
  get consecutiveFailures(): number {
    return this.failures;
  }

  /** When the circuit last closed (or was created), ms since the epoch; undefined while not closed. */
  closedSince(): number | undefined {
    return this.current === 'closed' ? this.closedAt : undefined;
  }

  /** When an open circuit turns half-open, ms since the epoch; undefined when not open. */
  nextRetryAt(): number | undefined {
    return this.current === 'open' ? this.openedAt + this.retryDelay : undefined;
  }

  /** Total time spent not closed, the current streak included. */
  openMillis(now = Date.now()): number {
    return this.openMillisTotal + (this.current === 'closed' ? 0 : now - this.streakStart);
  }

  /** Whether a call may go to the target now; `undefined` when it must skip the target. */
  admit(now = Date.now()): Admission | undefined {
    const s = this.state(now);
    if (s === 'closed') return 'call';
    if (s === 'half-open' && !this.probing) {
      this.probing = true;
      return 'probe';
    }
    return undefined;
  }

  /** The target accepted a batch. */
  onSuccess(admission: Admission): void {
    if (admission === 'probe') {
      this.probing = false;
      this.failedProbes = 0;
      this.retryDelay = this.opts.retryIntervalMillis;
      this.transition('closed', 'probe batch succeeded');
    }
    // A call admitted while closed that completes after the circuit opened says little about
    // the target now: only the probe decides.
    if (this.current === 'closed') this.failures = 0;
  }

  /** The target failed a batch for a reason that counts against it (transient or target class). */
  onFailure(admission: Admission, reason: string): void {
    if (admission === 'probe') {
      this.probing = false;
      this.retryDelay = backoffMillis(++this.failedProbes, {
        initialMillis: this.opts.retryIntervalMillis,
        maxMillis: this.opts.maxRetryIntervalMillis,
        multiplier: 2,
        jitter: 0,
      });
      this.openedAt = Date.now();
      this.transition('open', `probe failed (${reason}); next probe in ${this.retryDelay} ms`);
      return;
    }
    if (this.current !== 'closed') return;
    this.failures++;
    if (this.failures >= this.opts.failureThreshold) {
      this.openedAt = Date.now();
      this.transition(
        'open',
        `${this.failures} consecutive failures (last: ${reason}); next probe in ${this.retryDelay} ms`,
      );
    }
  }

  /** The target answered but refused this batch only: the probe slot is freed, state kept. */
  onNeutral(admission: Admission): void {
    if (admission === 'probe') this.probing = false;
  }

  private transition(to: CircuitState, reason: string): void {
    const from = this.current;
    if (from === to) return;
    const now = Date.now();
    if (from === 'closed') {
      this.streakStart = now;
      this.opens++;
    }
    if (to === 'closed') {
      this.openMillisTotal += now - this.streakStart;
      this.failures = 0;
      this.closedAt = now;
    }
    this.current = to;
    this.opts.onChange(from, to, reason);
  }
}
