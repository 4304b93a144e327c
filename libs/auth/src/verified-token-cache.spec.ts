import type { AuthUser } from './auth-user.js';
import { VerifiedTokenCache } from './verified-token-cache.js';

const user: AuthUser = { tenantId: 'demo', subject: 'alice', scopes: new Set(['application:read']), expiresAt: Number.MAX_SAFE_INTEGER };

describe('VerifiedTokenCache', () => {
  let now = 1_000_000;
  const clock = () => now;

  it('forgets a token when it expires', () => {
    const sut = new VerifiedTokenCache(10, 60_000, clock);
    sut.set('t', user, now + 5_000);
    expect(sut.get('t')).toBe(user);
    now += 5_000;
    expect(sut.get('t')).toBeUndefined();
  });

  it('keeps a long-lived token at most maxAge', () => {
    const sut = new VerifiedTokenCache(10, 60_000, clock);
    sut.set('t', user, now + 3_600_000);
    now += 59_999;
    expect(sut.get('t')).toBe(user);
    now += 1;
    expect(sut.get('t')).toBeUndefined();
  });

  it('never stores an already expired token', () => {
    const sut = new VerifiedTokenCache(10, 60_000, clock);
    sut.set('t', user, now - 1);
    expect(sut.get('t')).toBeUndefined();
  });

  it('evicts the oldest entry when full', () => {
    const sut = new VerifiedTokenCache(2, 60_000, clock);
    sut.set('a', user, now + 10_000);
    sut.set('b', user, now + 10_000);
    sut.set('c', user, now + 10_000);
    expect(sut.get('a')).toBeUndefined();
    expect(sut.get('b')).toBe(user);
    expect(sut.get('c')).toBe(user);
  });
});
