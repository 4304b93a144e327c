import { ShortLivedCache } from './short-lived-cache.js';

describe('ShortLivedCache', () => {
  let now = 0;
  const clock = () => now;

  it('loads once within the ttl and again after it', async () => {
    const sut = new ShortLivedCache<number>(1000, 10, clock);
    let loads = 0;
    const load = async () => ++loads;
    expect(await sut.get('k', load)).toBe(1);
    now += 999;
    expect(await sut.get('k', load)).toBe(1);
    now += 1;
    expect(await sut.get('k', load)).toBe(2);
  });

  it('reloads after clear (a local change)', async () => {
    const sut = new ShortLivedCache<string>(1000, 10, clock);
    await sut.get('runtime', async () => 'active');
    sut.clear();
    expect(await sut.get('runtime', async () => 'revoked')).toBe('revoked');
  });

  it('does not cache with a ttl of 0', async () => {
    const sut = new ShortLivedCache<number>(0, 10, clock);
    let loads = 0;
    await sut.get('k', async () => ++loads);
    await sut.get('k', async () => ++loads);
    expect(loads).toBe(2);
  });
});
