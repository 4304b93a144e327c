import { ConfigCache, type CacheSlot } from './config-cache.js';
import { parseConfigChange } from './config-changes.js';

const slot = (endpointId: string, appVersionName = 'v1', kind = 'effective'): CacheSlot => ({
  appVersionName,
  endpointId,
  key: `${kind}|${endpointId}|${appVersionName}`,
});

function cache(maxEntries = 10, ttlMs = 60_000) {
  let now = 1_000;
  const sut = new ConfigCache<string | null>(maxEntries, ttlMs, () => now);
  sut.enable();
  return { sut, advance: (ms: number) => (now += ms) };
}

describe('ConfigCache', () => {
  it('serves what a lookup stored, including "there is none"', () => {
    const { sut } = cache();
    expect(sut.set(sut.ticket(), slot('e1'), 'config-a')).toBe(true);
    expect(sut.set(sut.ticket(), slot('e2'), null)).toBe(true);
    expect(sut.get(slot('e1').key)).toBe('config-a');
    expect(sut.get(slot('e2').key)).toBeNull();
    expect(sut.get(slot('e3').key)).toBeUndefined();
  });

  it('refuses a value read before a change arrived, even a change of another endpoint', () => {
    const { sut } = cache();
    const ticket = sut.ticket();
    sut.apply({ kind: 'endpoints', endpoints: [['v1', 'other']] });
    expect(sut.set(ticket, slot('e1'), 'read before the change')).toBe(false);
    expect(sut.get(slot('e1').key)).toBeUndefined();
  });

  it("drops an endpoint's lookups on its change and keeps the others", () => {
    const { sut } = cache();
    sut.set(sut.ticket(), slot('e1'), 'a');
    sut.set(sut.ticket(), slot('e1', 'v1', 'own'), 'a-own');
    sut.set(sut.ticket(), slot('e2'), 'b');
    sut.set(sut.ticket(), slot('e1', 'v2'), 'c');
    sut.apply(parseConfigChange('{"endpoints":[["v1","e1"]]}'));
    expect(sut.get(slot('e1').key)).toBeUndefined();
    expect(sut.get(slot('e1', 'v1', 'own').key)).toBeUndefined();
    expect(sut.get(slot('e2').key)).toBe('b');
    expect(sut.get(slot('e1', 'v2').key)).toBe('c');
  });

  it("drops every endpoint of an app version when its default changes", () => {
    const { sut } = cache();
    sut.set(sut.ticket(), slot('e1'), 'a');
    sut.set(sut.ticket(), slot('e2'), null);
    sut.set(sut.ticket(), slot('e3', 'v2'), 'c');
    sut.apply(parseConfigChange('{"versions":["v1"]}'));
    expect(sut.get(slot('e1').key)).toBeUndefined();
    expect(sut.get(slot('e2').key)).toBeUndefined();
    expect(sut.get(slot('e3', 'v2').key)).toBe('c');
  });

  it('drops everything on a truncate or a notification it does not understand', () => {
    for (const payload of ['*', '', 'not json', '{"endpoints":[["v1"]]}', '{"versions":[1]}', 'null', undefined]) {
      const { sut } = cache();
      sut.set(sut.ticket(), slot('e1', 'v9'), 'a');
      sut.apply(parseConfigChange(payload));
      expect(sut.get(slot('e1', 'v9').key)).toBeUndefined();
    }
  });

  it('stores nothing while disabled, and starts empty when enabled again', () => {
    const { sut } = cache();
    sut.set(sut.ticket(), slot('e1'), 'a');
    const ticket = sut.ticket();
    sut.disable();
    expect(sut.get(slot('e1').key)).toBeUndefined();
    expect(sut.set(sut.ticket(), slot('e1'), 'a')).toBe(false);
    sut.enable();
    expect(sut.set(ticket, slot('e1'), 'read before the outage')).toBe(false);
    expect(sut.set(sut.ticket(), slot('e1'), 'fresh')).toBe(true);
  });

  it('never enables with room for no entries', () => {
    const sut = new ConfigCache<string>(0, 1000);
    sut.enable();
    expect(sut.enabled).toBe(false);
    expect(sut.set(sut.ticket(), slot('e1'), 'a')).toBe(false);
  });

  it('evicts the least recently used entry beyond its size', () => {
    const { sut } = cache(2);
    sut.set(sut.ticket(), slot('e1'), 'a');
    sut.set(sut.ticket(), slot('e2'), 'b');
    sut.get(slot('e1').key);
    sut.set(sut.ticket(), slot('e3'), 'c');
    expect(sut.size).toBe(2);
    expect(sut.get(slot('e2').key)).toBeUndefined();
    expect(sut.get(slot('e1').key)).toBe('a');
    expect(sut.get(slot('e3').key)).toBe('c');
    // An evicted entry leaves nothing behind that a later change could trip over.
    sut.apply({ kind: 'endpoints', endpoints: [['v1', 'e2']] });
    expect(sut.get(slot('e1').key)).toBe('a');
  });

  it('forgets a value after its time to live', () => {
    const { sut, advance } = cache(10, 500);
    sut.set(sut.ticket(), slot('e1'), 'a');
    advance(499);
    expect(sut.get(slot('e1').key)).toBe('a');
    advance(1);
    expect(sut.get(slot('e1').key)).toBeUndefined();
    expect(sut.size).toBe(0);
  });
});
