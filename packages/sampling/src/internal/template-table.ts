import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';

/** Template keys tracked at most (least recently seen evicted first). */
export const TEMPLATE_TABLE_SIZE = 4096;

/** One template's state: smoothed rate, the rate in force and this interval's counts. */
export interface TemplateEntry {
  key: number;
  cls: number;
  /** The template as text (event name, masked body or attribute value). */
  text: string;
  /** Smoothed records per interval (EMA of `seen` at each interval's end). */
  ema: number;
  /** Records seen and kept this interval. */
  seen: number;
  kept: number;
  /** Records expected to be kept this interval: the sum of the rate each seen record met. */
  expected: number;
  /** `expected` at which the in-interval rate is checked next. */
  nextCheck: number;
  /** Records this template may keep per interval. */
  goal: number;
  /** Records kept this interval before any thinning (0 for a key that came in an overload). */
  floor: number;
  /** The template's keep rate on top of the class ratio (1 = not thinned). */
  rate: number;
  /** The threshold of class ratio × rate, split for the hot path; `th` ('' at probability 1). */
  hi: number;
  lo: number;
  hex: string;
  /** The class ratio `hi`/`lo` were computed with (recomputed when the policy changes it). */
  ratio: number;
  /** Seen and kept since the last summary (a summary is due when they differ). */
  summarySeen: number;
  summaryKept: number;
  resource: Resource | undefined;
  scope: InstrumentationScope | undefined;
  newer: TemplateEntry | undefined;
  older: TemplateEntry | undefined;
}

/**
 * The template keys, bounded at {@link TEMPLATE_TABLE_SIZE} entries: a map from key to
 * {@link TemplateEntry} with a recency list, the least recently seen entry evicted (and counted)
 * when a new key needs room. Its one owner, the template thinner, changes it through these methods.
 */
export class TemplateTable {
  /** Entries evicted to make room, so far. */
  evictions = 0;
  private readonly map = new Map<number, TemplateEntry>();
  private newest: TemplateEntry | undefined;
  private oldest: TemplateEntry | undefined;

  constructor(
    readonly maxSize: number,
    // Called with an entry about to be evicted (its summary, if one is due).
    private readonly onEvict: (e: TemplateEntry) => void,
  ) {}

  get size(): number {
    return this.map.size;
  }

  /** The entry of `key`, marked most recently seen; undefined if absent. */
  touch(key: number): TemplateEntry | undefined {
    const e = this.map.get(key);
    if (e !== undefined && e !== this.newest) {
      this.unlink(e);
      this.linkNewest(e);
    }
    return e;
  }

  /** Adds `e` (its key absent) as the most recently seen, evicting the oldest if full. */
  add(e: TemplateEntry): void {
    if (this.map.size >= this.maxSize && this.oldest !== undefined) {
      const old = this.oldest;
      this.onEvict(old);
      this.unlink(old);
      this.map.delete(old.key);
      this.evictions++;
    }
    this.map.set(e.key, e);
    this.linkNewest(e);
  }

  /** Every entry, oldest first. */
  forEach(f: (e: TemplateEntry) => void): void {
    for (let e = this.oldest; e !== undefined; e = e.newer) f(e);
  }

  private linkNewest(e: TemplateEntry): void {
    e.older = this.newest;
    e.newer = undefined;
    if (this.newest !== undefined) this.newest.newer = e;
    this.newest = e;
    if (this.oldest === undefined) this.oldest = e;
  }

  private unlink(e: TemplateEntry): void {
    if (e.older !== undefined) e.older.newer = e.newer;
    else this.oldest = e.newer;
    if (e.newer !== undefined) e.newer.older = e.older;
    else this.newest = e.older;
    e.older = undefined;
    e.newer = undefined;
  }
}
