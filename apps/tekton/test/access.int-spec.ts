import { ALL_SCOPES, describeAccess, routeTable, type RouteAccess } from '@kaa/auth';
import { API_PREFIX } from '@kaa/server';
import { uniqueName } from '@kaa/testing';
import { client, startTekton, type Tekton } from './support.js';

/** Routes whose path parameter names something every tenant shares, not a tenant's resource. */
const INSTALLATION_WIDE = new Set(['GET /api/v1/service-instances/:name']);

describe('tekton: who may call each route', () => {
  let tekton: Tekton;
  let table: RouteAccess[];
  const app = uniqueName('matrix').replace(/-/g, '');
  const version = `${app}-v1`;
  const instance = 'ecr';
  const appConfig = { [instance]: { kaa: { applications: { [app]: { 'endpoint-configuration': { 'schema-required': false } } } } } };
  const versionConfig = { [instance]: { kaa: { applications: { [app]: { versions: { [version]: { endpointConfigurationSchema: { type: 'object' } } } } } } } };
  const provider = { name: 'matrix-hook', type: 'generic', address: 'https://hooks.example.com/matrix' };
  const notification = { name: 'matrix-notice', providerRef: provider.name, filter: { eventTypes: ['app-config.changed'] } };

  /** The concrete path of a route for acme's resources (the query names a service instance where configs are read). */
  const concrete = (url: string) => {
    const params: Record<string, string> = {
      app,
      version,
      revision: '1',
      name: url.startsWith('/api/v1/providers') ? provider.name : notification.name,
    };
    const path = url.slice(`/${API_PREFIX}`.length).replace(/:(\w+)/g, (_, p: string) => {
      if (!(p in params)) throw new Error(`no value for path parameter ${p} in ${url}`);
      return encodeURIComponent(params[p]!);
    });
    return /^\/(app|tenant)-configs/.test(path) ? `${path}?serviceInstanceName=${instance}` : path;
  };
  const bodies: Record<string, unknown> = {
    'PATCH /api/v1/applications/:app': { displayName: 'taken over' },
    'POST /api/v1/applications/:app/app-versions': { nameSuffix: 'v2' },
    'PATCH /api/v1/applications/:app/app-versions/:version': { displayName: 'taken over' },
    'PUT /api/v1/app-configs/applications/:app': appConfig,
    'PATCH /api/v1/app-configs/applications/:app': appConfig,
    'PUT /api/v1/app-configs/applications/:app/app-versions/:version': versionConfig,
    'PATCH /api/v1/app-configs/applications/:app/app-versions/:version': versionConfig,
    'PATCH /api/v1/providers/:name': { timeoutMs: 5000 },
    'PATCH /api/v1/notifications/:name': { filter: { eventTypes: ['app-version.deleted'] } },
  };

  beforeAll(async () => {
    tekton = await startTekton();
    table = routeTable(tekton.app, API_PREFIX);
  });

  afterAll(async () => {
    await tekton?.close();
  });

  it('declares an access rule on every route', () => {
    expect(table.map((r) => `${r.method} ${r.url}: ${describeAccess(r.access)}`)).toEqual([
      'GET /api/v1/app-configs: kaa:application:read',
      'POST /api/v1/app-configs: kaa:application:update',
      'GET /api/v1/app-configs/applications/:app: application:read or kaa:application:read',
      'PATCH /api/v1/app-configs/applications/:app: application:update',
      'PUT /api/v1/app-configs/applications/:app: application:update',
      'GET /api/v1/app-configs/applications/:app/app-versions/:version: application:read or kaa:application:read',
      'PATCH /api/v1/app-configs/applications/:app/app-versions/:version: application:update',
      'PUT /api/v1/app-configs/applications/:app/app-versions/:version: application:update',
      'GET /api/v1/app-configs/applications/:app/app-versions/:version/history: application:read',
      'POST /api/v1/app-configs/applications/:app/app-versions/:version/history/:revision/rollback: application:update',
      'GET /api/v1/app-configs/applications/:app/history: application:read',
      'POST /api/v1/app-configs/applications/:app/history/:revision/rollback: application:update',
      'GET /api/v1/applications: application:read',
      'POST /api/v1/applications: tenant:application:create',
      'DELETE /api/v1/applications/:app: application:delete',
      'GET /api/v1/applications/:app: application:read',
      'PATCH /api/v1/applications/:app: application:update',
      'GET /api/v1/applications/:app/app-versions: application:read',
      'POST /api/v1/applications/:app/app-versions: application:update',
      'DELETE /api/v1/applications/:app/app-versions/:version: application:delete',
      'GET /api/v1/applications/:app/app-versions/:version: application:read',
      'PATCH /api/v1/applications/:app/app-versions/:version: application:update',
      'GET /api/v1/bulk: kaa:application:read',
      'GET /api/v1/notifications: integration:read',
      'POST /api/v1/notifications: integration:update',
      'DELETE /api/v1/notifications/:name: integration:update',
      'GET /api/v1/notifications/:name: integration:read',
      'PATCH /api/v1/notifications/:name: integration:update',
      'GET /api/v1/notifications/:name/deliveries: integration:read',
      'GET /api/v1/providers: integration:read',
      'POST /api/v1/providers: integration:update',
      'DELETE /api/v1/providers/:name: integration:update',
      'GET /api/v1/providers/:name: integration:read',
      'PATCH /api/v1/providers/:name: integration:update',
      'GET /api/v1/service-instances: any valid token',
      'GET /api/v1/service-instances/:name: any valid token',
      'GET /api/v1/tenant-configs: kaa:tenant:configuration:read or kaa:application:read',
      'PUT /api/v1/tenant-configs: kaa:application:update',
      'GET /api/v1/tenant-configs/history: kaa:tenant:configuration:read or kaa:application:read',
      'POST /api/v1/tenant-configs/history/:revision/rollback: kaa:application:update',
      'GET /health: public',
      'GET /metrics: public',
    ]);
  });

  it('answers 401 without a token on every route that is not public', async () => {
    const anonymous = client(tekton.baseUrl);
    const statuses = [];
    for (const r of table.filter((t) => t.access?.kind !== 'public')) statuses.push(`${r.method} ${r.url} ${(await anonymous(r.method, concrete(r.url))).status}`);
    expect(statuses).toEqual(statuses.map((s) => s.replace(/\d+$/, '401')));
  });

  it("answers 404 to another tenant, with every scope, on every route that names acme's resource", async () => {
    const acme = client(tekton.baseUrl, await tekton.issuer.mint('acme', { scope: ALL_SCOPES.join(' ') }));
    const globex = client(tekton.baseUrl, await tekton.issuer.mint('globex', { scope: ALL_SCOPES.join(' ') }));
    for (const [method, path, body] of [
      ['POST', '/applications', { name: app }],
      ['POST', `/applications/${app}/app-versions`, { nameSuffix: 'v1' }],
      ['PUT', `/app-configs/applications/${app}`, appConfig],
      ['PUT', `/app-configs/applications/${app}/app-versions/${version}`, versionConfig],
      ['PUT', '/tenant-configs', { [instance]: { kaa: { tenants: { acme: { config: { region: 'eu' } } } } } }],
      ['POST', '/providers', provider],
      ['POST', '/notifications', notification],
    ] as const) {
      const reply = await acme(method, path, body);
      expect([method, path, reply.status < 300 ? 'stored' : reply.body]).toEqual([method, path, 'stored']);
    }
    const named = table.filter((r) => r.url.includes('/:') && !INSTALLATION_WIDE.has(`${r.method} ${r.url}`));
    expect(named.length).toBeGreaterThan(20);

    const asGlobex = [];
    for (const r of named) asGlobex.push(`${r.method} ${r.url} ${(await globex(r.method, concrete(r.url), bodies[`${r.method} ${r.url}`])).status}`);
    expect(asGlobex).toEqual(named.map((r) => `${r.method} ${r.url} 404`));

    // acme's resources were there all along and are unchanged.
    const reads = [];
    for (const r of named.filter((n) => n.method === 'GET')) reads.push(`${r.url} ${(await acme('GET', concrete(r.url))).status}`);
    expect(reads).toEqual(named.filter((n) => n.method === 'GET').map((r) => `${r.url} 200`));
    expect((await acme('GET', `/applications/${app}`)).body.displayName).not.toBe('taken over');
    expect((await acme('GET', `/app-configs/applications/${app}/history?serviceInstanceName=${instance}`)).body).toHaveLength(1);
  });
});
