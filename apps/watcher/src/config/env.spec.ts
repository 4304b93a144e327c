import { ConfigError } from '@kaa/config';
import { loadWatcherEnv } from './env.js';

describe('loadWatcherEnv', () => {
  const base = { TENANTS_FILE: '/tmp/tenants.json' };

  it('stops on a missing or short WATCHER_CA_KEY_SECRET, naming the variable', () => {
    for (const secret of [undefined, 'short']) {
      let error: unknown;
      try {
        loadWatcherEnv({ ...base, WATCHER_CA_KEY_SECRET: secret });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).issues.map((i) => i.variable)).toContain('WATCHER_CA_KEY_SECRET');
    }
  });

  it('reads lists and defaults', () => {
    const sut = loadWatcherEnv({ ...base, WATCHER_CA_KEY_SECRET: 'x'.repeat(32), TRUSTED_PROXIES: '10.0.0.1, 10.0.0.2' });
    expect(sut.TRUSTED_PROXIES).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(sut.LISTENER_PORT).toBe(8443);
    expect(sut.WATCH_DUPLICATE_WINDOW_SECONDS).toBe(10);
    expect(sut.WATCH_STREAM_MAX_AGE_SECONDS).toBe(7 * 24 * 3600);
  });

  it('refuses a stream max age shorter than the duplicate window, naming the variable', () => {
    let error: unknown;
    try {
      loadWatcherEnv({ ...base, WATCHER_CA_KEY_SECRET: 'x'.repeat(32), WATCH_DUPLICATE_WINDOW_SECONDS: '60', WATCH_STREAM_MAX_AGE_SECONDS: '30' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => i.variable)).toEqual(['WATCH_STREAM_MAX_AGE_SECONDS']);
  });
});
