import type { ConfigChange } from './config-changes.js';

/** Where a cached value lives: what it was read for, so that a change can find it. */
export interface CacheSlot {
  appVersionName: string;
  endpointId: string;
  /** Unique per lookup (kind, endpoint, app version, config name). */
  key: string;
}

interface Entry<V> {
  value: V;
  slot: CacheSlot;
  expiresAt: number;
}

/**
 * Bounded least-recently-used cache of config lookups, emptied selectively by config changes.
 *
 * A read that raced a change must not store what it read: a lookup takes a ticket (the current
 * generation) before it queries, and `set` refuses the value when any change arrived since. A
 * change that arrives after the value was stored finds and drops it. While disabled (before the
 * first LISTEN and whenever it is lost, since changes could go unannounced), nothing is stored.
 */
export class ConfigCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  /** appVersionName → endpointId → keys. */
  private readonly index = new Map<string, Map<string, Set<string>>>();
  private generation = 0;
  private active = false;

  constructor(
    readonly maxEntries: number,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.active;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Starts caching from an empty cache (changes before this moment may have gone unannounced). */
  enable(): void {
    this.clear();
    this.active = this.maxEntries > 0;
  }

  disable(): void {
    this.active = false;
    this.clear();
  }

  /** The cached value, or undefined on a miss (values themselves are never undefined). */
  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.remove(key, entry);
      return undefined;
    }
    // Most recently used goes last; eviction takes the first.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Take before querying; hand to `set` with the result. */
  ticket(): number {
    return this.generation;
  }

  /** Stores what a lookup read, unless a change (or a disable) came in since its ticket. */
  set(ticket: number, slot: CacheSlot, value: V): boolean {
    if (!this.active || ticket !== this.generation) return false;
    const existing = this.entries.get(slot.key);
    if (existing) this.remove(slot.key, existing);
    while (this.entries.size >= this.maxEntries) {
      const [oldestKey, oldest] = this.entries.entries().next().value as [string, Entry<V>];
      this.remove(oldestKey, oldest);
    }
    this.entries.set(slot.key, { value, slot, expiresAt: this.now() + this.ttlMs });
    let endpoints = this.index.get(slot.appVersionName);
    if (!endpoints) this.index.set(slot.appVersionName, (endpoints = new Map()));
    let keys = endpoints.get(slot.endpointId);
    if (!keys) endpoints.set(slot.endpointId, (keys = new Set()));
    keys.add(slot.key);
    return true;
  }

  /** Drops every value the change may have made wrong, and voids the tickets of reads in flight. */
  apply(change: ConfigChange): void {
    this.generation++;
    switch (change.kind) {
      case 'all':
        this.clear();
        return;
      case 'versions':
        for (const version of change.versions) {
          for (const keys of this.index.get(version)?.values() ?? []) this.removeKeys(keys);
        }
        return;
      case 'endpoints':
        for (const [version, endpointId] of change.endpoints) {
          const keys = this.index.get(version)?.get(endpointId);
          if (keys) this.removeKeys(keys);
        }
        return;
    }
  }

  private clear(): void {
    this.generation++;
    this.entries.clear();
    this.index.clear();
  }

  private removeKeys(keys: Set<string>): void {
    for (const key of [...keys]) {
      const entry = this.entries.get(key);
      if (entry) this.remove(key, entry);
    }
  }

  private remove(key: string, entry: Entry<V>): void {
    this.entries.delete(key);
    const endpoints = this.index.get(entry.slot.appVersionName);
    const keys = endpoints?.get(entry.slot.endpointId);
    if (!endpoints || !keys) return;
    keys.delete(key);
    if (keys.size === 0) endpoints.delete(entry.slot.endpointId);
    if (endpoints.size === 0) this.index.delete(entry.slot.appVersionName);
  }
}
