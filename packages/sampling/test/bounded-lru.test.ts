import { describe, expect, it } from 'vitest';
import { BoundedLru } from '../src/internal/bounded-lru';

interface Entry {
  key: string;
  newer: Entry | undefined;
  older: Entry | undefined;
}

function entry(key: string): Entry {
  return { key, newer: undefined, older: undefined };
}

function setup(maxSize: number) {
  const evicted: string[] = [];
  // Records whether the entry was still in the table when it was handed over.
  const presentAtEvict: boolean[] = [];
  const lru: BoundedLru<string, Entry> = new BoundedLru<string, Entry>(
    maxSize,
    (e) => e.key,
    (e) => {
      evicted.push(e.key);
      presentAtEvict.push(lru.get(e.key) === e);
    },
  );
  const keys = (): string[] => {
    const out: string[] = [];
    lru.forEach((e) => {
      out.push(e.key);
    });
    return out;
  };
  return { lru, evicted, presentAtEvict, keys };
}

describe('BoundedLru', () => {
  describe('add', () => {
    it('should evict the least recently used when full, hand it over first, and count it', () => {
      const { lru, evicted, presentAtEvict, keys } = setup(3);
      for (const k of ['a', 'b', 'c', 'd', 'e']) lru.add(entry(k));
      expect(keys()).toEqual(['c', 'd', 'e']);
      expect(evicted).toEqual(['a', 'b']);
      expect(presentAtEvict).toEqual([true, true]);
      expect(lru.evictions).toBe(2);
      expect(lru.size).toBe(3);
      expect(lru.get('a')).toBeUndefined();
    });
  });

  describe('touch', () => {
    it('should make an entry the most recently used, so another is evicted in its place', () => {
      const { lru, evicted, keys } = setup(3);
      for (const k of ['a', 'b', 'c']) lru.add(entry(k));
      expect(lru.touch('a')?.key).toBe('a');
      lru.add(entry('d'));
      expect(evicted).toEqual(['b']);
      expect(keys()).toEqual(['c', 'a', 'd']);
      expect(lru.oldest?.key).toBe('c');
    });

    it('should return undefined for an absent key and change nothing', () => {
      const { lru, keys } = setup(2);
      lru.add(entry('a'));
      expect(lru.touch('z')).toBeUndefined();
      expect(keys()).toEqual(['a']);
    });
  });

  describe('get', () => {
    it('should not change recency', () => {
      const { lru, evicted } = setup(2);
      lru.add(entry('a'));
      lru.add(entry('b'));
      expect(lru.get('a')?.key).toBe('a');
      lru.add(entry('c'));
      expect(evicted).toEqual(['a']);
    });
  });

  describe('delete', () => {
    it('should remove any entry (oldest, middle, newest) without counting an eviction', () => {
      const { lru, evicted, keys } = setup(4);
      const e = ['a', 'b', 'c', 'd'].map(entry);
      for (const x of e) lru.add(x);
      lru.delete(e[1]!);
      lru.delete(e[0]!);
      lru.delete(e[3]!);
      expect(keys()).toEqual(['c']);
      expect(lru.oldest?.key).toBe('c');
      expect(lru.size).toBe(1);
      expect(lru.evictions).toBe(0);
      expect(evicted).toEqual([]);
      // A removed entry carries no stale links into its next table.
      expect(e[1]!.newer).toBeUndefined();
      expect(e[1]!.older).toBeUndefined();
      lru.delete(e[2]!);
      expect(lru.oldest).toBeUndefined();
      lru.add(e[1]!);
      expect(keys()).toEqual(['b']);
    });
  });

  it('should keep the map and the recency list in step over a long random run', () => {
    const { lru, keys } = setup(16);
    const model: string[] = []; // least recently used first
    let shifted = 0;
    let seed = 7;
    // xorshift32: deterministic, and every key of the range comes up.
    const next = (): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return seed >>> 0;
    };
    for (let i = 0; i < 5000; i++) {
      const k = `k${next() % 40}`;
      const at = model.indexOf(k);
      if (at >= 0) {
        model.splice(at, 1);
        model.push(k);
        expect(lru.touch(k)?.key).toBe(k);
      } else {
        expect(lru.touch(k)).toBeUndefined();
        if (model.length >= 16) {
          model.shift();
          shifted++;
        }
        model.push(k);
        lru.add(entry(k));
      }
    }
    expect(keys()).toEqual(model);
    expect(lru.size).toBe(16);
    expect(lru.evictions).toBe(shifted);
    expect(shifted).toBeGreaterThan(100);
  });
});
