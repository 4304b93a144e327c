/**
 * Lookups the listener makes for every event (sender, watchers), kept for `ttlMs` from the start
 * of their load. Concurrent lookups of a key share one load (at expiry, every connection asks at
 * once). The owning service clears it on every change it makes, so a change is seen at once on
 * this replica (a load begun before the change is not kept) and within `ttlMs` on the others.
 * A failed load is not kept. `ttlMs` 0 turns caching off.
 */
export class ShortLivedCache<V> {
  private readonly entries = new Map<string, { value: Promise<V>; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string, load: () => Promise<V>): Promise<V> {
    if (this.ttlMs <= 0) return load();
    const now = this.now();
    const entry = this.entries.get(key);
    if (entry && entry.until > now) return entry.value;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    const loading = { value: load(), until: now + this.ttlMs };
    this.entries.set(key, loading);
    loading.value.catch(() => {
      if (this.entries.get(key) === loading) this.entries.delete(key);
    });
    return loading.value;
  }

  clear() {
    this.entries.clear();
  }
}
