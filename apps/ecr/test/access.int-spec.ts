import { ALL_SCOPES, describeAccess, routeTable, type RouteAccess } from '@kaa/auth';
import { API_PREFIX } from '@kaa/server';
import { DevIssuer, uniqueName } from '@kaa/testing';
import { EprStandIn } from './epr-stand-in.js';
import { api, startEcr, type RunningEcr } from './support.js';

describe('ecr: who may call each route', () => {
  let issuer: DevIssuer;
  let ecr: RunningEcr;
  let epr: EprStandIn;
  let table: RouteAccess[];
  const app = uniqueName('matrix').replace(/-/g, '');
  const params: Record<string, string> = { appVersionName: `${app}-v1`, endpointId: uniqueName('ep-matrix'), filterId: uniqueName('filter-matrix'), tenantId: 'acme', appName: app };
  const eprClient = { clientId: uniqueName('ecr-matrix'), clientSecret: 'ecr-secret', tenant: 'kaa', scope: 'endpoint:read' };
  /** The path parameter of each system configuration level (`/system/{segment}/:{param}/configs`). */
  const systemLevels: Record<string, string> = { tenants: 'tenantId', applications: 'appName', 'app-versions': 'appVersionName', endpoints: 'endpointId' };
  /** acme's system configuration at each level, for `:configId`. */
  const systemConfigIds: Record<string, string> = {};
  const concrete = (url: string) =>
    url.slice(`/${API_PREFIX}`.length).replace(/:(\w+)/g, (_, p: string) => {
      if (p === 'configId') return encodeURIComponent(systemConfigIds[url.split('/')[4]!] ?? 'none');
      if (!(p in params)) throw new Error(`no value for path parameter ${p} in ${url}`);
      return encodeURIComponent(params[p]!);
    });
  const config = { active: true };

  beforeAll(async () => {
    issuer = await DevIssuer.start({ tenants: ['acme', 'globex', 'kaa'], clients: [eprClient] });
    // EPR lists acme's endpoint under the filter, whoever asks.
    epr = await EprStandIn.start({ issuer, realm: 'kaa', clientId: eprClient.clientId });
    epr.addFilter(params.filterId!, params.appVersionName!, [params.endpointId!]);
    const eprEnv = { EPR_URL: epr.url, TOKEN_URL: issuer.tokenUrlFor('kaa'), CLIENT_ID: eprClient.clientId, CLIENT_SECRET: eprClient.clientSecret };
    ecr = await startEcr({ issuer, owners: { [app]: 'acme' }, env: eprEnv, appConfig: { kaa: { applications: { [app]: { 'endpoint-configuration': { 'schema-required': true, schema: { type: 'object' } } } } } } });
    table = routeTable(ecr.app, API_PREFIX);
  });

  afterAll(async () => {
    await ecr?.close();
    await epr?.close();
    await issuer?.close();
  });

  it('declares an access rule on every route', () => {
    expect(table.map((r) => `${r.method} ${r.url}: ${describeAccess(r.access)}`)).toEqual([
      'DELETE /api/v1/app-versions/:appVersionName: application:endpoint-config:delete',
      'GET /api/v1/app-versions/:appVersionName: application:endpoint-config:read',
      'PUT /api/v1/app-versions/:appVersionName: application:endpoint-config:update',
      'GET /api/v1/app-versions/:appVersionName/configurations: application:endpoint-config:read',
      'GET /api/v1/app-versions/:appVersionName/schemas: application:endpoint-config:read',
      'PUT /api/v1/app-versions/:appVersionName/schemas/validate: application:endpoint-config:read',
      'DELETE /api/v1/endpoints/:endpointId/app-versions/:appVersionName: endpoint:delete',
      'GET /api/v1/endpoints/:endpointId/app-versions/:appVersionName: endpoint:read',
      'PUT /api/v1/endpoints/:endpointId/app-versions/:appVersionName: endpoint:update',
      'GET /api/v1/endpoints/:endpointId/app-versions/:appVersionName/configurations: endpoint:read',
      'PUT /api/v1/endpoints/batch: endpoint:update',
      'PUT /api/v1/endpoints/filters/:filterId: endpoint:update',
      'GET /api/v1/statuses: endpoint:read',
      'GET /api/v1/system/app-versions/:appVersionName/configs: application:endpoint-config:read',
      'POST /api/v1/system/app-versions/:appVersionName/configs: application:endpoint-config:update',
      'DELETE /api/v1/system/app-versions/:appVersionName/configs/:configId: application:endpoint-config:delete',
      'GET /api/v1/system/app-versions/:appVersionName/configs/:configId: application:endpoint-config:read',
      'PUT /api/v1/system/app-versions/:appVersionName/configs/:configId: application:endpoint-config:update',
      'GET /api/v1/system/app-versions/:appVersionName/configs/current: application:endpoint-config:read',
      'GET /api/v1/system/applications/:appName/configs: application:endpoint-config:read',
      'POST /api/v1/system/applications/:appName/configs: application:endpoint-config:update',
      'DELETE /api/v1/system/applications/:appName/configs/:configId: application:endpoint-config:delete',
      'GET /api/v1/system/applications/:appName/configs/:configId: application:endpoint-config:read',
      'PUT /api/v1/system/applications/:appName/configs/:configId: application:endpoint-config:update',
      'GET /api/v1/system/applications/:appName/configs/current: application:endpoint-config:read',
      'GET /api/v1/system/endpoints/:endpointId/configs: endpoint:read',
      'POST /api/v1/system/endpoints/:endpointId/configs: endpoint:update',
      'DELETE /api/v1/system/endpoints/:endpointId/configs/:configId: endpoint:delete',
      'GET /api/v1/system/endpoints/:endpointId/configs/:configId: endpoint:read',
      'PUT /api/v1/system/endpoints/:endpointId/configs/:configId: endpoint:update',
      'GET /api/v1/system/endpoints/:endpointId/configs/current: endpoint:read',
      'GET /api/v1/system/tenants/:tenantId/configs: tenant:configuration:read or kaa:tenant:configuration:read',
      'POST /api/v1/system/tenants/:tenantId/configs: tenant:configuration:update',
      'DELETE /api/v1/system/tenants/:tenantId/configs/:configId: tenant:configuration:delete',
      'GET /api/v1/system/tenants/:tenantId/configs/:configId: tenant:configuration:read or kaa:tenant:configuration:read',
      'PUT /api/v1/system/tenants/:tenantId/configs/:configId: tenant:configuration:update',
      'GET /api/v1/system/tenants/:tenantId/configs/current: tenant:configuration:read or kaa:tenant:configuration:read',
      'GET /health: public',
      'GET /metrics: public',
    ]);
  });

  it('answers 401 without a token on every route that is not public', async () => {
    const statuses = [];
    for (const r of table.filter((t) => t.access?.kind !== 'public')) {
      statuses.push(`${r.method} ${r.url} ${(await fetch(`${ecr.base}${concrete(r.url)}`, { method: r.method })).status}`);
    }
    expect(statuses).toEqual(statuses.map((s) => s.replace(/\d+$/, '401')));
  });

  it("answers 404 to another tenant, with every scope, on every route that names acme's resource", async () => {
    const acme = api(ecr.base, await issuer.mint('acme', { scope: [...ALL_SCOPES] }));
    const globex = api(ecr.base, await issuer.mint('globex', { scope: [...ALL_SCOPES] }));
    // acme writes first, as a user does once its app version exists.
    expect((await acme('PUT', concrete('/api/v1/app-versions/:appVersionName'), config)).status).toBe(200);
    expect((await acme('PUT', concrete('/api/v1/endpoints/:endpointId/app-versions/:appVersionName'), config)).status).toBe(200);
    for (const [segment, param] of Object.entries(systemLevels)) {
      const created = await acme('POST', concrete(`/api/v1/system/${segment}/:${param}/configs`), { name: 'default', config: JSON.stringify(config) });
      expect(created.status).toBe(201);
      systemConfigIds[segment] = created.body.configId;
    }
    const named = table.filter((r) => r.url.includes('/:'));
    expect(named.length).toBeGreaterThan(6);

    const asGlobex = [];
    const bodyFor = (r: RouteAccess) => (r.url.includes('/system/') ? { name: 'default', config: '{}' } : config);
    // Endpoint ids are per tenant: globex names acme's endpoint with `tenantId` (its own of that id is another endpoint).
    const asGlobexUrl = (r: RouteAccess) => concrete(r.url) + (r.url.includes('/system/endpoints/') ? '?tenantId=acme' : '');
    for (const r of named) asGlobex.push(`${r.method} ${r.url} ${(await globex(r.method, asGlobexUrl(r), ['PUT', 'POST'].includes(r.method) ? bodyFor(r) : undefined)).status}`);
    expect(asGlobex).toEqual(named.map((r) => `${r.method} ${r.url} 404`));
    const batch = await globex('PUT', '/endpoints/batch', { endpoints: { [params.appVersionName!]: ['ep-elsewhere'] }, configPayload: config });
    expect(batch.status).toBe(404);

    // acme's configurations were there all along and are unchanged.
    const reads = [];
    for (const r of named.filter((n) => n.method === 'GET')) reads.push(`${r.url} ${(await acme('GET', concrete(r.url))).status}`);
    expect(reads).toEqual(named.filter((n) => n.method === 'GET').map((r) => `${r.url} 200`));
    expect((await acme('GET', concrete('/api/v1/app-versions/:appVersionName/configurations'))).body).toHaveLength(1);
    for (const [segment, param] of Object.entries(systemLevels)) {
      const list = await acme('GET', concrete(`/api/v1/system/${segment}/:${param}/configs`));
      expect(list.body).toEqual({ content: [expect.objectContaining({ configId: systemConfigIds[segment], config: JSON.stringify(config) })], totalElements: 1 });
    }
  });
});
