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

  it('shares one load among concurrent lookups of a key', async () => {
    const sut = new ShortLivedCache<number>(1000, 10, clock);
    let loads = 0;
    const load = async () => ++loads;
    expect(await Promise.all([sut.get('k', load), sut.get('k', load), sut.get('k', load)])).toEqual([1, 1, 1]);
    expect(loads).toBe(1);
  });

  it('does not keep a load that began before clear', async () => {
    const sut = new ShortLivedCache<string>(1000, 10, clock);
    let finish!: (value: string) => void;
    const stale = sut.get('runtime', () => new Promise((resolve) => (finish = resolve)));
    sut.clear();
    finish('active');
    expect(await stale).toBe('active');
    expect(await sut.get('runtime', async () => 'revoked')).toBe('revoked');
  });

  it('does not keep a failed load', async () => {
    const sut = new ShortLivedCache<string>(1000, 10, clock);
    await expect(sut.get('k', async () => Promise.reject(new Error('database down')))).rejects.toThrow('database down');
    expect(await sut.get('k', async () => 'loaded')).toBe('loaded');
  });

  it('does not cache with a ttl of 0', async () => {
    const sut = new ShortLivedCache<number>(0, 10, clock);
    let loads = 0;
    await sut.get('k', async () => ++loads);
    await sut.get('k', async () => ++loads);
    expect(loads).toBe(2);
  });
});
