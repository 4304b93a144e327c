/**
 * Lookups the listener makes for every event (sender, watchers), kept for `ttlMs`. The owning
 * service clears it on every change it makes, so a change is seen at once on this replica and
 * within `ttlMs` on the others. `ttlMs` 0 turns caching off.
 */
export class ShortLivedCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  async get(key: string, load: () => Promise<V>): Promise<V> {
    if (this.ttlMs <= 0) return load();
    const entry = this.entries.get(key);
    if (entry && entry.until > this.now()) return entry.value;
    const value = await load();
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, { value, until: this.now() + this.ttlMs });
    return value;
  }

  clear() {
    this.entries.clear();
  }
}
