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
  const params: Record<string, string> = { appVersionName: `${app}-v1`, endpointId: uniqueName('ep-matrix'), filterId: uniqueName('filter-matrix') };
  const eprClient = { clientId: uniqueName('ecr-matrix'), clientSecret: 'ecr-secret', tenant: 'kaa', scope: 'endpoint:read' };
  const concrete = (url: string) =>
    url.slice(`/${API_PREFIX}`.length).replace(/:(\w+)/g, (_, p: string) => {
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
    const named = table.filter((r) => r.url.includes('/:'));
    expect(named.length).toBeGreaterThan(6);

    const asGlobex = [];
    for (const r of named) asGlobex.push(`${r.method} ${r.url} ${(await globex(r.method, concrete(r.url), r.method === 'PUT' ? config : undefined)).status}`);
    expect(asGlobex).toEqual(named.map((r) => `${r.method} ${r.url} 404`));
    const batch = await globex('PUT', '/endpoints/batch', { endpoints: { [params.appVersionName!]: ['ep-elsewhere'] }, configPayload: config });
    expect(batch.status).toBe(404);

    // acme's configurations were there all along and are unchanged.
    const reads = [];
    for (const r of named.filter((n) => n.method === 'GET')) reads.push(`${r.url} ${(await acme('GET', concrete(r.url))).status}`);
    expect(reads).toEqual(named.filter((n) => n.method === 'GET').map((r) => `${r.url} 200`));
    expect((await acme('GET', concrete('/api/v1/app-versions/:appVersionName/configurations'))).body).toHaveLength(1);
  });
});
