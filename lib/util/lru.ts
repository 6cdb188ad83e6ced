/**
 * A bounded map that forgets the least recently used entry first, with an
 * optional expiry per entry. A Map keeps insertion order, so re-inserting on
 * read is all the bookkeeping LRU needs. (The lru-cache package does this too,
 * but its current major needs Node 20 and we support 18.)
 */
export class Lru<K, V> {
  private readonly map = new Map<K, { value: V; expires: number }>();
  /**
   * Walks the keys oldest first, across evictions. A fresh keys().next() per
   * eviction steps again over every entry deleted since V8 last compacted the
   * map: thousands per set() once the cache is full.
   */
  private oldest: Iterator<K> | undefined;

  constructor(
    readonly maxSize: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    const entry = this.map.get(key);
    if (!entry) return undefined;
    this.map.delete(key);
    if (entry.expires <= this.now()) return undefined;
    this.map.set(key, entry);
    return entry.value;
  }

  /** `ttlMs` omitted: the entry never expires (study tokens are permanent). */
  set(key: K, value: V, ttlMs?: number): void {
    this.map.delete(key);
    this.map.set(key, { value, expires: ttlMs === undefined ? Infinity : this.now() + ttlMs });
    if (this.map.size > this.maxSize) this.evictOldest();
  }

  clear(): void {
    this.map.clear();
    this.oldest = undefined;
  }

  // Every key before the cursor was evicted, or re-inserted at the end by get() or set(),
  // so the next key it yields is the least recently used; and as the map is never empty
  // here, the cursor never runs out.
  private evictOldest(): void {
    this.oldest ??= this.map.keys();
    this.map.delete(this.oldest.next().value as K);
  }
}
