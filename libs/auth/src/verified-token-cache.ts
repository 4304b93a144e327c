import type { AuthUser } from './auth-user.js';

/**
 * Tokens that passed verification, so repeated calls with the same bearer token skip the
 * signature check. An entry lives until the token expires, at most `maxAgeMs` (so a key
 * removed from an issuer's JWKS stops working soon), and the cache holds at most
 * `maxEntries` (oldest evicted first).
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, { user: AuthUser; until: number }>();

  constructor(
    private readonly maxEntries = 10_000,
    private readonly maxAgeMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(token: string): AuthUser | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (entry.until <= this.now()) {
      this.entries.delete(token);
      return undefined;
    }
    return entry.user;
  }

  /** `expiresAt` is the token's `exp` in milliseconds. */
  set(token: string, user: AuthUser, expiresAt: number) {
    const until = Math.min(expiresAt, this.now() + this.maxAgeMs);
    if (until <= this.now()) return;
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(token, { user, until });
  }

  clear() {
    this.entries.clear();
  }
}
