import { ALL_SCOPES, describeAccess, routeTable, type RouteAccess } from '@kaa/auth';
import { API_PREFIX } from '@kaa/server';
import { cleanUp, startWatcher, TENANTS, type Watcher } from './support.js';

const watcherBody = {
  component: 'access-matrix',
  resourceToWatch: { group: 'operator.kyma-project.io', version: 'v1beta2', resource: 'kymas' },
  field: 'spec',
};
const EVERY_SCOPE = ALL_SCOPES.join(' ');

describe('watcher: who may call each route', () => {
  let sut: Watcher;
  let table: RouteAccess[];
  const fill = (url: string, params: Record<string, string>) =>
    url.replace(/:(\w+)/g, (_, name: string) => {
      if (!(name in params)) throw new Error(`no value for path parameter ${name} in ${url}`);
      return encodeURIComponent(params[name]!);
    });

  beforeAll(async () => {
    sut = await startWatcher();
    table = routeTable(sut.app, API_PREFIX);
  });

  afterAll(async () => {
    await sut?.close();
    if (sut) await cleanUp(sut.instance);
  });

  it('declares an access rule on every route', () => {
    expect(table.map((r) => `${r.method} ${r.url}: ${describeAccess(r.access)}`)).toEqual([
      'GET /api/v1/ca: watcher:read',
      'POST /api/v1/ca/rotate: platform tenant + watcher:admin',
      'GET /api/v1/runtimes: watcher:read',
      'POST /api/v1/runtimes: watcher:update',
      'DELETE /api/v1/runtimes/:runtimeId: watcher:update',
      'GET /api/v1/runtimes/:runtimeId: watcher:read',
      'POST /api/v1/runtimes/:runtimeId/certificate: watcher:update',
      'GET /api/v1/watchers: watcher:read',
      'POST /api/v1/watchers: watcher:update',
      'DELETE /api/v1/watchers/:id: watcher:update',
      'GET /api/v1/watchers/:id: watcher:read',
      'PUT /api/v1/watchers/:id: watcher:update',
      'GET /health: public',
      'GET /metrics: public',
    ]);
  });

  it('answers 401 without a token on every route that is not public', async () => {
    const statuses = await Promise.all(
      table
        .filter((r) => r.access?.kind !== 'public')
        .map(async (r) => `${r.method} ${r.url} ${(await fetch(`${sut.baseUrl}${fill(r.url, { runtimeId: 'x', id: 'x' })}`, { method: r.method })).status}`),
    );
    expect(statuses).toEqual(statuses.map((s) => s.replace(/\d+$/, '401')));
  });

  it("answers 404 to another tenant, with every scope, on every route that names acme's resource", async () => {
    const runtime = await sut.register('rt-matrix', 'matrix.example.com');
    const created = await sut.api('POST', '/watchers', watcherBody);
    expect(created.status).toBe(201);
    const params = { runtimeId: runtime.runtimeId, id: created.body.id as string };
    const bodies: Record<string, unknown> = { 'PUT /api/v1/watchers/:id': watcherBody };
    const named = table.filter((r) => r.url.includes('/:'));
    expect(named.length).toBeGreaterThan(0);

    const asGlobex = [];
    for (const r of named) {
      const reply = await sut.api(r.method, fill(r.url, params).slice(`/${API_PREFIX}`.length), bodies[`${r.method} ${r.url}`], { tenant: TENANTS.globex, scope: EVERY_SCOPE });
      asGlobex.push(`${r.method} ${r.url} ${reply.status}`);
    }
    expect(asGlobex).toEqual(named.map((r) => `${r.method} ${r.url} 404`));
    // The resources were there all along, and are unchanged.
    for (const r of named.filter((n) => n.method === 'GET')) {
      expect([r.url, (await sut.api('GET', fill(r.url, params).slice(`/${API_PREFIX}`.length))).status]).toEqual([r.url, 200]);
    }
    expect((await sut.api('GET', `/runtimes/${runtime.runtimeId}`)).body).toMatchObject({ status: 'active' });
  });

  it('rotates the CA only for a token of the platform tenant carrying watcher:admin', async () => {
    const authorities = async () => ((await sut.api('GET', '/ca')).body.authorities as unknown[]).length;
    expect(await authorities()).toBe(1);
    for (const tenant of [TENANTS.globex, TENANTS.acme]) {
      const refused = await sut.api('POST', '/ca/rotate', undefined, { tenant, scope: 'watcher:admin' });
      expect([refused.status, refused.body.message]).toEqual([403, 'installation-wide operation: only tokens of the platform tenant may call it']);
    }
    expect((await sut.api('POST', '/ca/rotate', undefined, { tenant: TENANTS.platform, scope: 'watcher:read watcher:update' })).status).toBe(403);
    expect(await authorities()).toBe(1);
    expect((await sut.api('POST', '/ca/rotate', undefined, { tenant: TENANTS.platform, scope: 'watcher:admin' })).status).toBe(200);
    expect(await authorities()).toBe(2);
  });
});
