import { assertName, watchStreamName, WatchListenerConfigError } from './names.js';

describe('watchStreamName', () => {
  it('is KAA_WATCH_ and the upper-cased instance name when that fits', () => {
    expect(watchStreamName('watcher')).toBe('KAA_WATCH_WATCHER');
    expect(watchStreamName('watcher-eu-1')).toBe('KAA_WATCH_WATCHER_EU_1');
  });

  it('gives a valid, deterministic, distinct name for a 63-character instance name', () => {
    const long = `w${'a'.repeat(61)}1`;
    const other = `w${'a'.repeat(61)}2`;
    expect(long).toHaveLength(63);
    const name = watchStreamName(long);
    expect(name.length).toBeLessThanOrEqual(64);
    expect(() => assertName('stream name', name)).not.toThrow();
    expect(name).toMatch(/^KAA_WATCH_WA+_[0-9a-f]{8}$/);
    expect(watchStreamName(long)).toBe(name);
    expect(watchStreamName(other)).not.toBe(name);
  });

  it('refuses what is not a subject token', () => {
    expect(() => watchStreamName('a.b')).toThrow(WatchListenerConfigError);
  });
});
