/** The recency links an entry of a {@link BoundedLru} carries (the list is intrusive). */
export interface LruLinks<E> {
  newer: E | undefined;
  older: E | undefined;
}

/**
 * A map bounded at `maxSize` entries that evicts the least recently used: a `Map` from key to
 * entry plus a doubly linked recency list threaded through the entries themselves, so touching,
 * adding and evicting are O(1) and allocate nothing (the hot path of sampling uses it per record).
 * An evicted entry is handed to `onEvict` while still in the table, then removed and counted in
 * `evictions`. The template table and the trace-silencing table are each one of these.
 */
export class BoundedLru<K, E extends LruLinks<E>> {
  /** Entries evicted to make room, so far (not those removed by {@link delete}). */
  evictions = 0;
  private readonly map = new Map<K, E>();
  private newest: E | undefined;
  private least: E | undefined;

  constructor(
    readonly maxSize: number,
    private readonly keyOf: (e: E) => K,
    private readonly onEvict: (e: E) => void = () => {},
  ) {}

  get size(): number {
    return this.map.size;
  }

  /** The least recently used entry, next to be evicted; undefined when empty. */
  get oldest(): E | undefined {
    return this.least;
  }

  /** The entry of `key`, if present, with no change to its recency. */
  get(key: K): E | undefined {
    return this.map.get(key);
  }

  /** The entry of `key`, marked most recently used; undefined if absent. */
  touch(key: K): E | undefined {
    const e = this.map.get(key);
    if (e !== undefined && e !== this.newest) {
      this.unlink(e);
      this.linkNewest(e);
    }
    return e;
  }

  /** Adds `e` (its key absent) as the most recently used, evicting the oldest first if full. */
  add(e: E): void {
    if (this.map.size >= this.maxSize && this.least !== undefined) {
      const old = this.least;
      this.onEvict(old);
      this.delete(old);
      this.evictions++;
    }
    this.map.set(this.keyOf(e), e);
    this.linkNewest(e);
  }

  /** Removes `e` (an entry of this table); not counted as an eviction. */
  delete(e: E): void {
    this.unlink(e);
    this.map.delete(this.keyOf(e));
  }

  /** Every entry, least recently used first; `f` must not add or remove entries. */
  forEach(f: (e: E) => void): void {
    for (let e = this.least; e !== undefined; e = e.newer) f(e);
  }

  private linkNewest(e: E): void {
    e.older = this.newest;
    e.newer = undefined;
    if (this.newest !== undefined) this.newest.newer = e;
    this.newest = e;
    if (this.least === undefined) this.least = e;
  }

  private unlink(e: E): void {
    if (e.older !== undefined) e.older.newer = e.newer;
    else this.least = e.newer;
    if (e.newer !== undefined) e.newer.older = e.older;
    else this.newest = e.older;
    e.older = undefined;
    e.newer = undefined;
  }
}
