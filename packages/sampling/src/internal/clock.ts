/** Reads of the clock served from one `Date.now()` within an event-loop turn, at most. */
const USES_PER_READ = 64;

/**
 * The time the processor decides with, in ms since the epoch, shared by the parts that need it
 * (template budgets, the silencing table). `Date.now()` allocates its result on the heap, so reading
 * it for every WARN or ERROR record would make the decision allocate per record. Instead one read
 * serves up to 64 uses within an event-loop turn: the time is at most 64 records stale during a
 * synchronous burst, and fresh at the first use of each turn (a reused immediate marks the turn's
 * end, one allocation per turn with limited records, none per record).
 */
export class Clock {
  now = Date.now();
  private fresh = false;
  private uses = 0;
  private readonly markStale = (): void => {
    this.fresh = false;
  };

  /** Makes `now` current (see the class comment for how current). */
  update(): void {
    if (this.fresh && ++this.uses % USES_PER_READ !== 0) return;
    this.now = Date.now();
    if (!this.fresh) {
      this.fresh = true;
      this.uses = 0;
      setImmediate(this.markStale).unref();
    }
  }

  /** Reads the system clock now (timers, policy updates: not per record). */
  read(): void {
    this.now = Date.now();
  }
}
