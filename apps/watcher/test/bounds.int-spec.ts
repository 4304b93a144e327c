import { cleanUp, startWatcher, TENANTS, type Watcher } from './support.js';

const watcherBody = (component: string) => ({
  component,
  resourceToWatch: { group: 'operator.kyma-project.io', version: 'v1beta2', resource: 'kymas' },
  labelsToWatch: {},
  field: 'spec',
});

describe('watcher bounds: runtimes and watchers per tenant, paged lists', () => {
  let sut: Watcher;
  const id = (n: number) => `rt-bounds-${Date.now().toString(36)}-${n}`;
  const ids = [id(1), id(2), id(3)];

  beforeAll(async () => {
    sut = await startWatcher({ env: { WATCHER_MAX_RUNTIMES_PER_TENANT: '2', WATCHER_MAX_WATCHERS_PER_TENANT: '2' } });
  });

  afterAll(async () => {
    await sut?.close();
    if (sut) await cleanUp(sut.instance);
  });

  it('caps active runtimes per tenant (409), counts only active ones, and pages the list', async () => {
    await sut.register(ids[0], 'one.example.com');
    await sut.register(ids[1], 'two.example.com');
    const refused = await sut.api('POST', '/runtimes', { runtimeId: ids[2], domain: 'three.example.com' });
    expect(refused.status).toBe(409);
    expect(refused.body['message']).toBe('the tenant has 2 active runtimes, the most allowed (2); revoke one first');
    expect((await sut.api('GET', `/runtimes/${ids[2]}`)).status).toBe(404);
    // Another tenant has its own allowance.
    expect((await sut.api('POST', '/runtimes', { runtimeId: ids[2], domain: 'three.example.com' }, { tenant: TENANTS.globex })).status).toBe(201);

    const page = await sut.api('GET', '/runtimes?size=1&page=1');
    expect((page.body as unknown as { runtimeId: string }[]).map((r) => r.runtimeId)).toEqual([ids[1]]);
    expect([page.headers?.get('x-total-elements'), page.headers?.get('x-total-pages')]).toEqual(['2', '2']);
    expect((await sut.api('GET', '/runtimes?size=3')).status).toBe(400);
    expect((await sut.api('GET', '/runtimes?page=-1')).status).toBe(400);

    expect((await sut.api('DELETE', `/runtimes/${ids[0]}`)).status).toBe(204);
    expect((await sut.api('POST', '/runtimes', { runtimeId: id(4), domain: 'four.example.com' })).status).toBe(201);
  });

  it('caps watchers per tenant (409) and pages the list', async () => {
    expect((await sut.api('POST', '/watchers', watcherBody('a'))).status).toBe(201);
    expect((await sut.api('POST', '/watchers', watcherBody('b'))).status).toBe(201);
    const refused = await sut.api('POST', '/watchers', watcherBody('c'));
    expect(refused.status).toBe(409);
    expect(refused.body['message']).toBe('the tenant has 2 watchers, the most allowed (2); delete one first');
    const all = await sut.api('GET', '/watchers');
    expect((all.body as unknown as { component: string }[]).map((w) => w.component)).toEqual(['a', 'b']);
    const second = await sut.api('GET', '/watchers?size=1&page=1');
    expect((second.body as unknown as { component: string }[]).map((w) => w.component)).toEqual(['b']);
    expect(second.headers?.get('x-total-elements')).toBe('2');
    expect((await sut.api('GET', '/watchers?size=0')).status).toBe(400);
  });
});
