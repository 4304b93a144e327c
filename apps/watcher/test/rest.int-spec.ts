import { ConfigError } from '@kaa/config';
import { cleanUp, startWatcher, TENANTS, type Watcher } from './support.js';

const watcherBody = {
  component: 'lifecycle-manager',
  resourceToWatch: { group: 'operator.kyma-project.io', version: 'v1beta2', resource: 'kymas' },
  labelsToWatch: { 'operator.kyma-project.io/watched-by': 'kyma' },
  field: 'spec',
};

describe('watcher REST API', () => {
  let sut: Watcher;

  beforeAll(async () => {
    sut = await startWatcher();
  });

  afterAll(async () => {
    await sut?.close();
    if (sut) await cleanUp(sut.instance);
  });

  it('registers a runtime once, returns credentials once, and hides it from other tenants', async () => {
    const created = await sut.api('POST', '/runtimes', { runtimeId: 'rt-rest', domain: 'rest.example.com' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ runtimeId: 'rt-rest', domain: 'rest.example.com', status: 'active' });
    expect(created.body.privateKey).toMatch(/BEGIN PRIVATE KEY/);
    expect(created.body.caBundle).toMatch(/BEGIN CERTIFICATE/);
    const fetched = await sut.api('GET', '/runtimes/rt-rest');
    expect(fetched.body).not.toHaveProperty('privateKey');
    expect((await sut.api('POST', '/runtimes', { runtimeId: 'rt-rest', domain: 'x.example.com' }, { tenant: TENANTS.globex })).status).toBe(409);
    expect((await sut.api('GET', '/runtimes/rt-rest', undefined, { tenant: TENANTS.globex })).status).toBe(404);
    expect((await sut.api('DELETE', '/runtimes/rt-rest', undefined, { tenant: TENANTS.globex })).status).toBe(404);
    expect((await sut.api('POST', '/runtimes', { runtimeId: 'bad id', domain: 'Not A Domain' })).status).toBe(400);
  });

  it('needs watcher:update to change things and watcher:admin to rotate the CA', async () => {
    expect((await sut.api('POST', '/runtimes', { runtimeId: 'rt-scope', domain: 's.example.com' }, { scope: 'watcher:read' })).status).toBe(403);
    expect((await sut.api('POST', '/watchers', watcherBody, { scope: 'watcher:read' })).status).toBe(403);
    expect((await sut.api('POST', '/ca/rotate', undefined, { tenant: TENANTS.platform, scope: 'watcher:read watcher:update' })).status).toBe(403);
    expect((await fetch(`${sut.baseUrl}/api/v1/runtimes`)).status).toBe(401);
  });

  it('creates, reads, replaces and deletes watchers within the tenant', async () => {
    const created = await sut.api('POST', '/watchers', watcherBody);
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(created.body).toMatchObject(watcherBody);
    expect((await sut.api('GET', `/watchers/${id}`, undefined, { tenant: TENANTS.globex })).status).toBe(404);
    const replaced = await sut.api('PUT', `/watchers/${id}`, { ...watcherBody, field: 'status' });
    expect(replaced.body).toMatchObject({ id, field: 'status' });
    const listed = await sut.api('GET', '/watchers?component=lifecycle-manager');
    expect((listed.body as unknown as { id: string }[]).map((w) => w.id)).toEqual([id]);
    expect((await sut.api('POST', '/watchers', { ...watcherBody, field: 'metadata' })).status).toBe(400);
    expect((await sut.api('DELETE', `/watchers/${id}`)).status).toBe(204);
    expect((await sut.api('GET', `/watchers/${id}`)).status).toBe(404);
  });

  it('refuses to start another replica whose WATCHER_CA_KEY_SECRET cannot decrypt the stored CA key', async () => {
    const start = startWatcher({ instance: sut.instance, issuer: sut.issuer, env: { WATCHER_CA_KEY_SECRET: 'another-secret-that-is-32-characters-or-more' } });
    const error = await start.then(
      async (w) => {
        await w.close();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues[0].variable).toBe('WATCHER_CA_KEY_SECRET');
  });
});
