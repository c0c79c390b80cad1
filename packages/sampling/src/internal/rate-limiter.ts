import type { Clock } from './clock';

/** Backoff never goes below configured ratio × 2^-MAX_LEVEL (past that, rounding keeps nothing). */
const MAX_LEVEL = 56;
/** Weight of the old average after one interval: about a second's memory at 100 ms intervals. */
const DECAY = 0.75;

/**
 * One severity class's rate limit: a token bucket (refilled at `limit` per second, holding one
 * second's worth) that caps what is kept, plus a backoff level that thins the class *by trace*
 * instead: the class's effective ratio is its configured ratio / 2^level. At each interval boundary
 * the level goes up by one if the bucket ran dry during the interval, and down (one step per
 * elapsed interval) while the rate that would be kept at twice the ratio stays within the limit.
 * That rate is measured, not guessed: records kept plus records in the band between this level's
 * threshold and the next lower one's (`band`, counted by the processor), averaged over about a
 * second, because thinning by trace keeps records in clumps and one interval is a noisy sample.
 * So a flood is first clipped by the bucket, then within a few intervals thinned consistently per
 * trace, and the ratio comes back when the flood is over.
 */
export class RateLimiter {
  /** Effective ratio = configured ratio / 2^level. */
  level = 0;
  /** Times the level went up. */
  backoffs = 0;
  /** Records refused by the bucket, in total. */
  limited = 0;
  /** Start of the current interval, ms. */
  intervalStart: number;
  /** Records this interval that were refused by the backoff but would pass one level lower. */
  band = 0;
  /** Average records/s that one level lower would keep. */
  private lowerLevelRate = -1;
  private tokens: number;
  // One second's worth, but at least one record: a limit below 1/s still lets a record through
  // when a whole token has accrued.
  private readonly capacity: number;
  private refilledAt: number;
  private keptInInterval = 0;
  private limitedInInterval = 0;

  constructor(
    readonly limit: number,
    private readonly intervalMillis: number,
    private readonly clock: Clock,
  ) {
    const now = clock.now;
    this.capacity = Math.max(1, limit);
    this.tokens = this.capacity;
    this.refilledAt = now;
    this.intervalStart = now;
  }

  /** Takes a token for one kept record at `clock.now`; false when the bucket is empty (dropped). */
  tryTake(): boolean {
    const now = this.clock.now;
    const elapsed = now - this.refilledAt;
    if (elapsed > 0) {
      const t = this.tokens + (elapsed * this.limit) / 1000;
      this.tokens = Math.min(t, this.capacity);
      this.refilledAt = now;
    }
    if (this.tokens >= 1) {
      this.tokens -= 1;
      this.keptInInterval++;
      return true;
    }
    this.limitedInInterval++;
    this.limited++;
    return false;
  }

  /** Moves the backoff level if an interval ended by `clock.now`; true when it changed. */
  adjust(): boolean {
    const now = this.clock.now;
    const elapsed = now - this.intervalStart;
    if (elapsed < this.intervalMillis) return false;
    const before = this.level;
    const intervals = elapsed / this.intervalMillis;
    const rate = ((this.keptInInterval + this.band) * 1000) / elapsed;
    this.lowerLevelRate =
      this.lowerLevelRate < 0
        ? rate
        : this.lowerLevelRate + (1 - DECAY ** intervals) * (rate - this.lowerLevelRate);
    if (this.limitedInInterval > 0) {
      if (this.level < MAX_LEVEL) {
        this.level++;
        this.backoffs++;
      }
    } else if (this.level > 0 && this.lowerLevelRate <= this.limit) {
      this.level = Math.max(0, this.level - Math.max(1, Math.floor(intervals)));
    }
    this.intervalStart = now;
    this.keptInInterval = 0;
    this.limitedInInterval = 0;
    this.band = 0;
    return this.level !== before;
  }
}
