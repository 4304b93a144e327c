import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { DevIssuer, testNatsUrl, uniqueName } from '@kaa/testing';
import { watch } from '@kaa/protocols';
import { watchStreamName } from '@kaa/watch-listener';
import { cleanUp, startWatcher, TENANTS } from './support.js';

const SECOND = 1_000_000_000;

describe('the watch event stream', () => {
  let issuer: DevIssuer;
  let nc: NatsConnection;
  let jsm: JetStreamManager;

  beforeAll(async () => {
    issuer = await DevIssuer.start({ tenants: [TENANTS.acme] });
    nc = await connect({ servers: testNatsUrl() });
    jsm = await jetstreamManager(nc);
  });

  afterAll(async () => {
    await nc?.close();
    await issuer?.close();
  });

  it('is created with max_age and a short duplicate window, and its max_age follows the environment on restart', async () => {
    const first = await startWatcher({ issuer, env: { WATCH_STREAM_MAX_AGE_SECONDS: '3600' } });
    const stream = watchStreamName(first.instance);
    try {
      const created = await jsm.streams.info(stream);
      expect(created.config.max_age).toBe(3600 * SECOND);
      expect(created.config.duplicate_window).toBe(10 * SECOND);
      await first.close();
      const second = await startWatcher({ issuer, instance: first.instance, env: { WATCH_STREAM_MAX_AGE_SECONDS: '7200', WATCH_DUPLICATE_WINDOW_SECONDS: '30' } });
      await second.close();
      const updated = await jsm.streams.info(stream);
      expect(updated.config.max_age).toBe(7200 * SECOND);
      expect(updated.config.duplicate_window).toBe(30 * SECOND);
    } finally {
      await cleanUp(first.instance);
    }
  });

  it('stops the start, saying why, when the existing stream cannot be updated', async () => {
    const instance = uniqueName('watcher');
    const stream = watchStreamName(instance);
    const blocker = `BLOCKER_${uniqueName('s').replace(/-/g, '_')}`;
    // Another stream owns the watch subjects, and ours exists with other subjects: updating ours must fail.
    await jsm.streams.add({ name: blocker, subjects: [watch.patterns.stream(instance)] });
    await jsm.streams.add({ name: stream, subjects: [`${blocker}.elsewhere`] });
    try {
      await expect(startWatcher({ issuer, instance })).rejects.toThrow(`cannot update the watch event stream ${stream}`);
    } finally {
      await jsm.streams.delete(blocker).catch(() => undefined);
      await cleanUp(instance);
    }
  });
});
