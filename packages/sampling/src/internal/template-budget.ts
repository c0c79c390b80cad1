import { SeverityClass } from '@spillway/record-format';
import { MAX_THRESHOLD, probabilityToThreshold, thresholdToHex } from '../threshold';
import type { TemplateEntry } from './template-table';

/** Records per interval each ERROR-or-above template keeps before any thinning. */
export const ERROR_TEMPLATE_FLOOR = 5;
/** Records per interval each template of a lower class keeps before any thinning. */
export const TEMPLATE_FLOOR = 1;
/** Weight of the newest interval in a template's smoothed count (Refinery's default). */
const ALPHA = 0.5;
/** A template whose smoothed count falls below this is idle: rate 1, no goal of its own. */
const IDLE = 0.5;
/** The lowest rate a template is thinned to (its threshold stays encodable). */
const MIN_RATE = 2 ** -40;

/**
 * One severity class's budget (its `rateLimits` entry, records/s), shared among its templates the
 * way Honeycomb Refinery's EMA dynamic sampler shares a goal: at each interval's end every
 * template's count is smoothed (EMA), and the interval's budget is divided in proportion to the
 * logarithm of the smoothed counts, smallest first, each template getting at least the floor and
 * handing what it does not need to the larger ones. A template whose count fits its share keeps
 * rate 1; a larger one gets rate share / count. So rare templates are never thinned and the most
 * frequent are thinned most.
 *
 * Within an interval a template's rate only goes down: a new template claims three quarters of
 * the budget left unallotted (or the floor), and once a template's expected kept records reach its share, its
 * arrivals are projected to the interval's end and the rate lowered to fit, so a flood that starts
 * mid-interval is thinned at once instead of at the next interval; what that interval keeps over
 * the budget comes off the next one. Rates depend on counts seen, never on which records were kept, so the sum of
 * 1 / p over the kept records stays an unbiased count.
 */
export class TemplateBudget {
  /** Records dropped as `rate_limited` so far. */
  limited = 0;
  /** Templates seen, and thinned, in the last complete interval. */
  templates = 0;
  thinned = 0;
  /** Start of the current interval, ms. */
  intervalStart: number;
  /** Records each template keeps per interval before thinning. */
  readonly floor: number;
  private readonly goal: number;
  // This interval's budget: the goal, less a repayment of what earlier intervals kept over theirs.
  private budget: number;
  private debt = 0;
  // Budget left unallotted this interval, for templates new in it.
  private free: number;
  private seen = 0;
  private kept = 0;
  private readonly active: TemplateEntry[] = [];
  private readonly idle: TemplateEntry[] = [];

  constructor(
    readonly limit: number,
    cls: number,
    private readonly intervalMillis: number,
    now: number,
  ) {
    this.floor = cls >= SeverityClass.ERROR ? ERROR_TEMPLATE_FLOOR : TEMPLATE_FLOOR;
    this.goal = (limit * intervalMillis) / 1000;
    this.budget = this.goal;
    this.free = this.goal;
    this.intervalStart = now;
  }

  /** Whether the current interval ended by `now`. */
  due(now: number): boolean {
    return now - this.intervalStart >= this.intervalMillis;
  }

  /** Sets up an entry new to the table, in this interval, with the class ratio `ratio`. */
  init(e: TemplateEntry, ratio: number): void {
    e.ema = -1;
    // A new template takes three quarters of what is unallotted (its in-interval thinning keeps
    // about a quarter share more: a flood's first interval stays within the budget); the many
    // after it get the floor, which their first records are kept by anyway.
    const claim = Math.max(this.floor, (this.free * 3) / 4);
    this.free = Math.max(0, this.free - claim);
    e.goal = claim;
    e.nextCheck = claim;
    // Past twice the budget in one interval, keys are arriving faster than any share can be
    // given (a template per record): a new one starts at the class's kept fraction instead, with
    // no floor until it lasts to an interval's end.
    const overload = this.kept >= 2 * this.goal;
    e.floor = overload ? 0 : this.floor;
    setRate(e, overload ? Math.max(MIN_RATE, this.goal / this.seen) : 1, ratio);
  }

  /**
   * Counts a record of `e` (after class sampling) and adjusts `e`'s rate within the interval;
   * true when it is among the floor's records, kept whatever its randomness.
   */
  observe(e: TemplateEntry, now: number, ratio: number): boolean {
    this.seen++;
    e.seen++;
    e.summarySeen++;
    if (e.ratio !== ratio) setRate(e, e.rate, ratio);
    if (e.seen <= e.floor) {
      e.expected += 1;
      return true;
    }
    e.expected += e.rate;
    if (e.expected >= e.nextCheck) this.check(e, now, ratio);
    return false;
  }

  /** Counts a kept record of `e`. */
  keep(e: TemplateEntry): void {
    this.kept++;
    e.kept++;
    e.summaryKept++;
  }

  // The in-interval check, once the template's expected kept records reach its share: project
  // its arrivals to the interval's end (from at least a twentieth of the interval, so a burst in
  // one millisecond is not read as a rate) and lower its rate so that the rest keeps about a
  // quarter share more. Past twice its share, the rate at least halves. Nothing is lowered
  // while the class has kept less than half its budget: a template over its share then costs
  // no other template anything (the first interval's shares are guesses).
  private check(e: TemplateEntry, now: number, ratio: number): void {
    e.nextCheck = e.expected + Math.max(1, e.goal / 2);
    if (this.kept < this.budget / 2) return;
    const elapsed = Math.max(this.intervalMillis / 20, now - this.intervalStart);
    const left = (e.seen * this.intervalMillis) / elapsed - e.seen;
    const want = Math.max(e.goal - e.expected, e.goal / 4);
    let rate = left > 0 ? Math.min(1, want / left) : e.rate;
    if (rate >= e.rate / 1.25 && e.expected >= 2 * e.goal) rate = e.rate / 2;
    if (rate < e.rate / 1.25) setRate(e, Math.max(MIN_RATE, rate), ratio);
  }

  /**
   * Ends the interval (and any idle ones after it) at `now`: smooths each template's count and
   * shares out the next interval's budget. `entries` runs a callback over the class's entries;
   * `summarize` is called first for each entry that was thinned since its last summary.
   */
  roll(
    now: number,
    entries: (f: (e: TemplateEntry) => void) => void,
    summarize: (e: TemplateEntry) => void,
    ratio: number,
  ): void {
    const intervals = Math.max(1, Math.floor((now - this.intervalStart) / this.intervalMillis));
    const idleDecay = (1 - ALPHA) ** (intervals - 1);
    const active = this.active;
    let templates = 0;
    let thinned = 0;
    entries((e) => {
      if (e.seen > 0) templates++;
      if (e.summarySeen !== e.summaryKept) {
        thinned++;
        summarize(e);
      }
      e.ema = (e.ema < 0 ? e.seen : ALPHA * e.seen + (1 - ALPHA) * e.ema) * idleDecay;
      e.seen = 0;
      e.kept = 0;
      e.expected = 0;
      e.floor = this.floor;
      if (e.ema < IDLE) {
        if (e.rate !== 1 || e.ratio !== ratio) setRate(e, 1, ratio);
        this.idle.push(e);
      } else {
        active.push(e);
      }
    });
    this.templates = templates;
    this.thinned = thinned;
    // What an interval kept over its budget (a flood's first interval, the floors of many
    // templates) comes off the next ones, at most half of each: the class keeps its budget over
    // time without any interval's rates collapsing (which would make adjusted counts noisy).
    this.debt += Math.max(0, this.kept - this.budget) - Math.max(0, this.budget - this.kept);
    if (this.debt < 0) this.debt = 0;
    const repay = Math.min(this.debt, this.goal / 2);
    this.budget = this.goal - repay;
    this.debt -= repay;
    this.share(active, ratio);
    active.length = 0;
    // An idle template starts again as a new one would: its goal from what is unallotted.
    const claim = Math.max(this.floor, (this.free * 3) / 4);
    for (const e of this.idle) {
      e.goal = claim;
      e.nextCheck = claim;
    }
    this.idle.length = 0;
    this.intervalStart += intervals * this.intervalMillis;
    this.seen = 0;
    this.kept = 0;
  }

  // Refinery's logarithmic share, smallest template first, unused shares passed upwards.
  private share(active: TemplateEntry[], ratio: number): void {
    active.sort((a, b) => a.ema - b.ema);
    let weights = 0;
    for (const e of active) weights += Math.log1p(e.ema);
    let left = this.budget;
    for (const e of active) {
      const w = Math.log1p(e.ema);
      const goal = Math.max(this.floor, weights > 0 ? (left * w) / weights : left);
      weights -= w;
      e.goal = goal;
      e.nextCheck = goal;
      const rate = e.ema <= goal ? 1 : Math.max(MIN_RATE, goal / e.ema);
      if (rate !== e.rate || e.ratio !== ratio) setRate(e, rate, ratio);
      left = Math.max(0, left - Math.min(goal, e.ema));
    }
    this.free = left;
  }
}

/** Sets `e`'s rate and the threshold of class ratio × rate (the one its records are compared to). */
export function setRate(e: TemplateEntry, rate: number, ratio: number): void {
  e.rate = rate;
  e.ratio = ratio;
  const t = probabilityToThreshold(Math.min(1, ratio * rate));
  e.hi = Number(t >> 32n);
  e.lo = Number(t & 0xffffffffn);
  e.hex = t === 0n || t >= MAX_THRESHOLD ? '' : thresholdToHex(t);
}
