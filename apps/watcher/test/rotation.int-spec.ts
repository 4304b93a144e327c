import { Agent } from 'node:https';
import { eventually } from '@kaa/testing';
import { TrustStore } from '../src/listener/trust-store.js';
import { cleanUp, eventBody, postEvent, startWatcher, TENANTS, type Credentials, type Watcher } from './support.js';

const PATH = '/v2/rotation/event';

describe('certificate rotation', () => {
  let sut: Watcher;

  beforeAll(async () => {
    sut = await startWatcher({ env: { CA_ROTATION_GRACE_SECONDS: '3600' } });
    const created = await sut.api('POST', '/watchers', {
      component: 'rotation',
      resourceToWatch: { group: 'operator.kyma-project.io', version: 'v1beta2', resource: 'kymas' },
      field: 'spec',
    });
    expect(created.status).toBe(201);
  });

  afterAll(async () => {
    await sut?.close();
    if (sut) await cleanUp(sut.instance);
  });

  const post = (creds: Credentials, name: string) => postEvent(sut.listenerUrl, PATH, { ca: creds.caBundle, credentials: creds, body: eventBody(name) });

  it('accepts the new client certificate and refuses the rotated (revoked) one', async () => {
    const old = await sut.register('rt-rotate', 'rotate.example.com');
    expect((await post(old, 'before')).status).toBe(200);
    const rotated = await sut.api('POST', '/runtimes/rt-rotate/certificate');
    expect(rotated.status).toBe(201);
    const fresh = rotated.body as unknown as Credentials;
    expect(fresh.serialNumber).not.toBe(old.serialNumber);
    expect((await post(fresh, 'with-new')).status).toBe(200);
    const refused = await post(old, 'with-old');
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe('revoked');
  });

  it('keeps the old CA trusted during the grace period after a CA rotation, and issues under the new one', async () => {
    const before = await sut.register('rt-ca', 'ca.example.com');
    const rotation = await sut.api('POST', '/ca/rotate', undefined, { tenant: TENANTS.platform });
    expect(rotation.status).toBe(200);
    const ca = await sut.api('GET', '/ca');
    const authorities = ca.body.authorities as { status: string }[];
    expect(authorities.map((a) => a.status).sort()).toEqual(['active', 'retiring']);

    // A certificate of the previous CA still works during the grace period ...
    expect((await post(before, 'old-ca')).status).toBe(200);
    // ... and a certificate issued now chains to the new CA, which the listener trusts too.
    const after = (await sut.api('POST', '/runtimes/rt-ca/certificate')).body as unknown as Credentials;
    expect(after.caBundle).toBe(ca.body.bundle);
    expect((await post(after, 'new-ca')).status).toBe(200);
  });

  it('drops the old CA from the bundle once the grace period is over', async () => {
    const short = await startWatcher({ issuer: sut.issuer, env: { CA_ROTATION_GRACE_SECONDS: '0' } });
    try {
      await short.api('POST', '/watchers', {
        component: 'rotation',
        resourceToWatch: { group: 'operator.kyma-project.io', version: '*', resource: '*' },
        field: 'spec',
      });
      const creds = await short.register('rt-grace', 'grace.example.com');
      expect((await short.api('POST', '/ca/rotate', undefined, { tenant: TENANTS.platform })).status).toBe(200);
      const ca = await short.api('GET', '/ca');
      expect((ca.body.authorities as unknown[]).length).toBe(1);
      const res = await postEvent(short.listenerUrl, PATH, { ca: `${creds.caBundle}${ca.body.bundle as string}`, credentials: creds, body: eventBody('expired-ca') });
      expect([res.status, res.body.error ?? res.error]).toEqual([401, "untrusted_certificate"]);
    } finally {
      await short.close();
      await cleanUp(short.instance);
    }
  });

  it('refuses the next event on a keep-alive connection opened under the old CA once its grace period is over', async () => {
    const short = await startWatcher({ issuer: sut.issuer, env: { CA_ROTATION_GRACE_SECONDS: '2', LISTENER_REFRESH_SECONDS: '1' } });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = () => Object.values(agent.freeSockets).flat();
    try {
      await short.api('POST', '/watchers', {
        component: 'rotation',
        resourceToWatch: { group: 'operator.kyma-project.io', version: '*', resource: '*' },
        field: 'spec',
      });
      const creds = await short.register('rt-keepalive', 'keepalive.example.com');
      const send = (name: string) => postEvent(short.listenerUrl, PATH, { ca: creds.caBundle, credentials: creds, body: eventBody(name), agent });
      expect((await send('before-rotation')).status).toBe(200);
      const [connection] = sockets();
      expect(connection).toBeDefined();

      expect((await short.api('POST', '/ca/rotate', undefined, { tenant: TENANTS.platform })).status).toBe(200);
      // The listener drops the old CA when the grace period is over (its periodic refresh).
      const trust = short.app.get(TrustStore);
      await eventually(() => (trust.get().length === 1 ? true : undefined), 15_000);

      const refused = await send('after-grace');
      expect(sockets()).toEqual([connection]);
      expect([refused.status, refused.body.error]).toEqual([401, 'untrusted_certificate']);
    } finally {
      agent.destroy();
      await short.close();
      await cleanUp(short.instance);
    }
  }, 30_000);
});
