/**
 * Strings the value rules have already scanned and left unchanged, remembered so the next record
 * with the same value skips the scan. Attribute values repeat (routes, methods, host names,
 * versions: 86–99% of the string attribute values of the benchmark generators were seen before),
 * and the scan — a trigger test and the card pattern over every character — is most of what
 * redaction costs per value.
 *
 * Only values the rules did not change are remembered, so a remembered value counts nothing and
 * its output is the value itself: the counts and the output are the same as without the set. The
 * set is bounded twice — values longer than {@link MAX_CHARS} are never kept, and it is emptied
 * when it reaches {@link LIMIT} entries — and holds copies built from each value's code units, so
 * a remembered value never keeps alive a larger string it was cut from.
 */
export class CleanValues {
  private readonly seen = new Set<string>();

  /** True when `s` was remembered as clean. */
  has(s: string): boolean {
    return s.length <= MAX_CHARS && this.seen.has(s);
  }

  /** Remembers `s` (which the value rules left unchanged), if it is short enough. */
  add(s: string): void {
    if (s.length > MAX_CHARS) return;
    if (this.seen.size >= LIMIT) this.seen.clear();
    this.seen.add(Buffer.from(s, 'utf16le').toString('utf16le'));
  }

  /** Values remembered now (≤ {@link LIMIT}). */
  get size(): number {
    return this.seen.size;
  }
}

/** Values remembered at most: 4,096 of ≤ 256 UTF-16 code units, 2 MiB of text at worst. */
export const LIMIT = 4096;
/** Longer values are scanned every time: long text rarely repeats, and would pin memory. */
export const MAX_CHARS = 256;
