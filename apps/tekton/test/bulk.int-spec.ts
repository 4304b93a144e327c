import { ALL_SCOPES, client, startTekton, type Tekton } from './support.js';

describe('tekton bulk export (GET /bulk)', () => {
  let tekton: Tekton;
  let acme: ReturnType<typeof client>;
  let globex: ReturnType<typeof client>;
  let platform: ReturnType<typeof client>;
  const suffix = Date.now().toString(36);
  const acmeApp = `meter${suffix}`;
  const globexApp = `lamp${suffix}`;

  beforeAll(async () => {
    tekton = await startTekton();
    acme = client(tekton.baseUrl, await tekton.issuer.mint('acme', { scope: ALL_SCOPES }));
    globex = client(tekton.baseUrl, await tekton.issuer.mint('globex', { scope: ALL_SCOPES }));
    platform = client(tekton.baseUrl, await tekton.issuer.mint('kaa', { scope: 'kaa:application:read', sub: 'service-account-ecr' }));
    expect((await acme('POST', '/applications', { name: acmeApp, displayName: 'Meter' })).status).toBe(201);
    expect((await acme('POST', `/applications/${acmeApp}/app-versions`, { nameSuffix: 'v1' })).status).toBe(201);
    expect((await acme('POST', `/applications/${acmeApp}/app-versions`, { nameSuffix: 'v2' })).status).toBe(201);
    expect((await globex('POST', '/applications', { name: globexApp })).status).toBe(201);
    const versionConfig = { ecr: { kaa: { applications: { [acmeApp]: { versions: { [`${acmeApp}-v1`]: { endpointConfigurationSchema: { type: 'object' } } } } } } } };
    expect((await acme('PUT', `/app-configs/applications/${acmeApp}/app-versions/${acmeApp}-v1`, versionConfig)).status).toBe(200);
  });

  afterAll(async () => {
    await tekton?.close();
  });

  const acmeEntry = {
    tenantId: 'acme',
    applications: [
      {
        name: acmeApp,
        displayName: 'Meter',
        versions: [
          { name: `${acmeApp}-v1`, nameSuffix: 'v1' },
          { name: `${acmeApp}-v2`, nameSuffix: 'v2' },
        ],
      },
    ],
  };

  it('shows the platform tenant every tenant with its applications and versions', async () => {
    const all = await platform('GET', '/bulk');
    expect(all.status).toBe(200);
    expect(all.body).toEqual({ tenants: [acmeEntry, { tenantId: 'globex', applications: [{ name: globexApp, versions: [] }] }] });
    expect((await platform('GET', `/bulk?appName=${acmeApp}`)).body).toEqual({ tenants: [acmeEntry] });
    expect((await platform('GET', '/bulk?tenantId=globex')).body.tenants.map((t: { tenantId: string }) => t.tenantId)).toEqual(['globex']);
  });

  it('confines other tenants to their own (another tenant named or its application: 404)', async () => {
    expect((await acme('GET', '/bulk')).body).toEqual({ tenants: [acmeEntry] });
    expect((await globex('GET', `/bulk?appName=${acmeApp}`)).status).toBe(404);
    expect((await globex('GET', '/bulk?tenantId=acme')).status).toBe(404);
    const withoutScope = client(tekton.baseUrl, await tekton.issuer.mint('acme', { scope: 'application:read' }));
    expect((await withoutScope('GET', '/bulk')).status).toBe(403);
  });

  it('adds the configs of one service instance with include=configs', async () => {
    const included = await platform('GET', `/bulk?appName=${acmeApp}&serviceInstanceName=ecr&include=configs`);
    expect(included.status).toBe(200);
    expect(included.body.tenants[0].applications[0]).toEqual({
      name: acmeApp,
      displayName: 'Meter',
      config: {},
      versions: [
        { name: `${acmeApp}-v1`, nameSuffix: 'v1', config: { endpointConfigurationSchema: { type: 'object' } } },
        { name: `${acmeApp}-v2`, nameSuffix: 'v2', config: {} },
      ],
    });
    expect((await platform('GET', '/bulk?include=configs')).status).toBe(400);
    expect((await platform('GET', '/bulk?include=secrets&serviceInstanceName=ecr')).status).toBe(400);
    expect((await platform('GET', '/bulk?serviceInstanceName=nope')).status).toBe(400);
  });
});
