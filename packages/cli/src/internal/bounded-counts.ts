/** One counted key, as `stats` prints it. */
export interface CountRow {
  key: string;
  records: number;
}

/**
 * Counts per key with a cap on distinct keys: hostile or very varied data (a new service name or
 * message shape per record) cannot grow memory without bound. Records of keys past the cap are
 * counted in {@link other}, so rows plus other always add up to every record counted.
 */
export class BoundedCounts {
  private readonly counts = new Map<string, { records: number; example: string }>();
  /** Records whose key arrived after the cap was reached. */
  other = 0;

  constructor(private readonly maxKeys = 100_000) {}

  add(key: string, example = ''): void {
    const c = this.counts.get(key);
    if (c) c.records++;
    else if (this.counts.size < this.maxKeys) this.counts.set(key, { records: 1, example });
    else this.other++;
  }

  get distinct(): number {
    return this.counts.size;
  }

  /** Rows by count (ties by key), at most `n`. */
  top(n = Number.POSITIVE_INFINITY): Array<CountRow & { example: string }> {
    const rows = [...this.counts].map(([key, c]) => ({ key, ...c }));
    rows.sort((a, b) => b.records - a.records || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return rows.slice(0, n);
  }

  /** Rows in key order (hours), or in the order `order` gives (severities). */
  sorted(order?: ReadonlyArray<string>): CountRow[] {
    const rows = [...this.counts].map(([key, c]) => ({ key, records: c.records }));
    if (order)
      return order.filter((k) => this.counts.has(k)).map((k) => rows.find((r) => r.key === k)!);
    return rows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
}
