import { DevIssuer } from '@kaa/testing';
import { ALL_SCOPES, client, startTekton, type Tekton } from './support.js';

describe('tekton REST API', () => {
  let tekton: Tekton;
  let acme: ReturnType<typeof client>;
  let globex: ReturnType<typeof client>;
  const app = `kettle_${Date.now().toString(36)}`;
  const version = `${app}-v1`;

  beforeAll(async () => {
    tekton = await startTekton();
    acme = client(tekton.baseUrl, await tekton.issuer.mint('acme', { scope: ALL_SCOPES, sub: 'alice' }));
    globex = client(tekton.baseUrl, await tekton.issuer.mint('globex', { scope: ALL_SCOPES, sub: 'bob' }));
  });

  afterAll(async () => {
    await tekton?.close();
  });

  it('lists service instances with schemas only when included', async () => {
    const plain = await acme('GET', '/service-instances');
    expect(plain.status).toBe(200);
    expect(plain.body).toEqual([
      expect.objectContaining({ name: 'cmx', serviceName: 'cmx', serviceGroup: 'communication', appConfigurationSchemaPresent: true, appVersionConfigurationSchemaPresent: false }),
      expect.objectContaining({ name: 'ecr', serviceName: 'ecr', urlPrefix: '/ecr', appConfigurationSchemaPresent: true, appVersionConfigurationSchemaPresent: true }),
    ]);
    expect(plain.body[1].appConfigurationSchema).toBeUndefined();

    const included = await acme('GET', '/service-instances?include=appVersionConfigurationSchema');
    expect(included.body[1].appVersionConfigurationSchema).toEqual({ type: 'object', properties: { endpointConfigurationSchema: { type: 'object' } } });
    expect(included.body[1].appConfigurationSchema).toBeUndefined();

    const one = await acme('GET', '/service-instances/ecr?include=appConfigurationSchema');
    expect(one.status).toBe(200);
    expect(one.body.appConfigurationSchema.type).toBe('object');
    expect((await acme('GET', '/service-instances/nope')).status).toBe(404);
  });

  it('creates applications with Location, generated names and installation-wide unique names', async () => {
    const created = await acme('POST', '/applications', { name: app, displayName: 'Kettle', description: 'smart kettle' });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/api/v1/applications/${app}`);
    expect(created.body).toEqual({ name: app, displayName: 'Kettle', description: 'smart kettle', versions: [], createdDate: expect.any(String), updatedDate: expect.any(String) });

    const generated = await acme('POST', '/applications', {});
    expect(generated.status).toBe(201);
    expect(generated.body.name).toMatch(/^[a-z0-9]{20}$/);
    expect(generated.headers.get('location')).toBe(`/api/v1/applications/${generated.body.name}`);

    expect((await acme('POST', '/applications', { name: app })).status).toBe(409);
    expect((await globex('POST', '/applications', { name: app.replace('_', '-') })).status).toBe(409);
    const bad = await acme('POST', '/applications', { name: 'Bad.Name' });
    expect(bad.status).toBe(400);
    expect((await acme('DELETE', `/applications/${generated.body.name}`)).status).toBe(204);
  });

  it('creates, lists, reads and updates app versions', async () => {
    const created = await acme('POST', `/applications/${app}/app-versions`, { nameSuffix: 'v1', displayName: 'one' });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/api/v1/applications/${app}/app-versions/${version}`);
    expect(created.body).toMatchObject({ name: version, nameSuffix: 'v1', displayName: 'one' });
    expect((await acme('POST', `/applications/${app}/app-versions`, { nameSuffix: 'v1' })).status).toBe(409);
    expect((await acme('POST', `/applications/${app}/app-versions`, { nameSuffix: 'V-2' })).status).toBe(400);
    expect((await acme('POST', `/applications/${app}/app-versions`, { nameSuffix: 'v2' })).status).toBe(201);

    const list = await acme('GET', `/applications/${app}/app-versions`);
    expect(list.body.map((v: { name: string }) => v.name)).toEqual([version, `${app}-v2`]);
    const patched = await acme('PATCH', `/applications/${app}/app-versions/${version}`, { name: version, applicationName: app, description: 'first' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: version, displayName: 'one', description: 'first' });
    expect((await acme('GET', `/applications/${app}/app-versions/${version}`)).body.description).toBe('first');
    expect((await acme('DELETE', `/applications/${app}/app-versions/${app}-v2`)).status).toBe(204);
    expect((await acme('GET', `/applications/${app}/app-versions/${app}-v2`)).status).toBe(404);

    const patchedApp = await acme('PATCH', `/applications/${app}`, { displayName: 'Kettle 2' });
    expect(patchedApp.body).toMatchObject({ name: app, displayName: 'Kettle 2', versions: [expect.objectContaining({ name: version })] });
    const apps = await acme('GET', '/applications');
    expect(apps.body).toEqual([expect.objectContaining({ name: app, displayName: 'Kettle 2', versions: [expect.objectContaining({ name: version })] })]);
    expect((await acme('GET', `/applications/${app}`)).body.name).toBe(app);
  });

  it('stores, validates, patches and exports app and app-version configs', async () => {
    const appConfig = { 'endpoint-configuration': { 'schema-required': true, schema: { type: 'object' } } };
    const put = await acme('PUT', `/app-configs/applications/${app}`, { ecr: { kaa: { applications: { [app]: appConfig } } }, cmx: { kaa: { applications: { [app]: { 'push-on-connect': true } } } } });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ ecr: { kaa: { applications: { [app]: appConfig } } }, cmx: { kaa: { applications: { [app]: { 'push-on-connect': true } } } } });

    const invalid = await acme('PUT', `/app-configs/applications/${app}`, { ecr: { kaa: { applications: { [app]: { 'endpoint-configuration': { 'schema-required': 'yes', extra: 1 } } } } } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.violations).toEqual(
      expect.arrayContaining([
        { pointer: `/ecr/kaa/applications/${app}/endpoint-configuration/schema-required`, message: 'must be boolean' },
        { pointer: `/ecr/kaa/applications/${app}/endpoint-configuration`, message: expect.stringContaining('additional properties') },
      ]),
    );
    expect((await acme('PUT', `/app-configs/applications/${app}`, { nope: { kaa: { applications: { [app]: {} } } } })).status).toBe(400);

    const patched = await acme('PATCH', `/app-configs/applications/${app}?serviceInstanceName=ecr`, { 'endpoint-configuration': { schema: null } });
    expect(patched.status).toBe(200);
    expect(patched.body).toEqual({ ecr: { kaa: { applications: { [app]: { 'endpoint-configuration': { 'schema-required': true } } } } } });
    expect((await acme('PATCH', `/app-configs/applications/${app}?serviceInstanceName=ecr`, { 'endpoint-configuration': { 'schema-required': 1 } })).status).toBe(400);
    const got = await acme('GET', `/app-configs/applications/${app}?serviceInstanceName=ecr`);
    expect(got.body).toEqual(patched.body);
    // RFC 7396's own media type is the same merge patch: Kaa's clients send it.
    const mergePatch = { 'content-type': 'application/merge-patch+json' };
    const viaMediaType = await acme('PATCH', `/app-configs/applications/${app}?serviceInstanceName=ecr`, { 'endpoint-configuration': { schema: { type: 'object' } } }, mergePatch);
    expect(viaMediaType.status).toBe(200);
    expect(viaMediaType.body.ecr.kaa.applications[app]['endpoint-configuration']).toEqual({ 'schema-required': true, schema: { type: 'object' } });
    expect((await acme('PATCH', `/app-configs/applications/${app}?serviceInstanceName=ecr`, { 'endpoint-configuration': { schema: null } }, mergePatch)).body).toEqual(patched.body);
    const malformed = await fetch(`${tekton.baseUrl}/app-configs/applications/${app}?serviceInstanceName=ecr`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${await tekton.issuer.mint('acme', { scope: ALL_SCOPES, sub: 'alice' })}`, ...mergePatch },
      body: '{"endpoint-configuration": ',
    });
    expect(malformed.status).toBe(400);
    expect((await acme('GET', `/app-configs/applications/${app}?serviceInstanceName=ecr`)).body).toEqual(patched.body);

    const versionBody = { ecr: { kaa: { applications: { [app]: { versions: { [version]: { endpointConfigurationSchema: { type: 'object' } } } } } } } };
    const putVersion = await acme('PUT', `/app-configs/applications/${app}/app-versions/${version}`, versionBody);
    expect(putVersion.status).toBe(200);
    expect(putVersion.body).toEqual(versionBody);
    const badVersion = await acme('PUT', `/app-configs/applications/${app}/app-versions/${version}`, { ecr: { kaa: { applications: { [app]: { versions: { [version]: { endpointConfigurationSchema: 'x' } } } } } } });
    expect(badVersion.body.violations).toEqual([{ pointer: `/ecr/kaa/applications/${app}/versions/${version}/endpointConfigurationSchema`, message: 'must be object' }]);
    const patchedVersion = await acme('PATCH', `/app-configs/applications/${app}/app-versions/${version}?serviceInstanceName=ecr`, { endpointConfigurationSchema: { required: ['a'] } });
    expect(patchedVersion.body.ecr.kaa.applications[app].versions[version]).toEqual({ endpointConfigurationSchema: { type: 'object', required: ['a'] } });
    expect((await acme('GET', `/app-configs/applications/${app}/app-versions/${version}?serviceInstanceName=ecr`)).body).toEqual(patchedVersion.body);

    const exported = await acme('GET', '/app-configs?serviceInstanceName=ecr');
    expect(exported.status).toBe(200);
    expect(exported.body).toEqual({
      ecr: { kaa: { applications: { [app]: { 'endpoint-configuration': { 'schema-required': true }, versions: { [version]: { endpointConfigurationSchema: { type: 'object', required: ['a'] } } } } } } },
    });
    const all = await acme('GET', '/app-configs');
    expect(Object.keys(all.body).sort()).toEqual(['cmx', 'ecr']);
  });

  it('bulk-loads the full map in one transaction: all or nothing', async () => {
    const good = { cmx: { kaa: { applications: { [app]: { 'push-on-connect': false } } } } };
    const bad = { ecr: { kaa: { applications: { [app]: { 'endpoint-configuration': { 'schema-required': 'no' } } } } } };
    const rejected = await acme('POST', '/app-configs', { ...good, ...bad });
    expect(rejected.status).toBe(400);
    expect((await acme('GET', `/app-configs/applications/${app}?serviceInstanceName=cmx`)).body.cmx.kaa.applications[app]).toEqual({ 'push-on-connect': true });

    const loaded = await acme('POST', '/app-configs', good);
    expect(loaded.status).toBe(200);
    expect((await acme('GET', `/app-configs/applications/${app}?serviceInstanceName=cmx`)).body.cmx.kaa.applications[app]).toEqual({ 'push-on-connect': false });
  });

  it('stores and reads tenant configs of the caller only', async () => {
    const body = { ecr: { kaa: { tenants: { acme: { config: { branding: 'blue' } } } } } };
    const put = await acme('PUT', '/tenant-configs', body);
    expect(put.status).toBe(200);
    expect(put.body).toEqual(body);
    expect((await acme('GET', '/tenant-configs?serviceInstanceName=ecr')).body).toEqual(body);
    expect((await acme('GET', '/tenant-configs?serviceInstanceName=ecr&tenantId=acme')).body).toEqual(body);
    expect((await acme('PUT', '/tenant-configs', { ecr: { kaa: { tenants: { globex: { config: {} } } } } })).status).toBe(404);
    expect((await globex('GET', '/tenant-configs?serviceInstanceName=ecr')).body).toEqual({ ecr: { kaa: { tenants: {} } } });
  });

  it('keeps revisions with author, headers and diffs, and rolls back as a new revision', async () => {
    const path = `/app-configs/applications/${app}`;
    await acme('PATCH', `${path}?serviceInstanceName=cmx`, { 'push-on-connect': true }, { 'X-Kaa-Revision': 'abc123', 'X-Kaa-Source': 'git@example.com:cfg.git' });
    const history = await acme('GET', `${path}/history?serviceInstanceName=cmx`);
    expect(history.status).toBe(200);
    expect(history.body.map((r: { revision: number }) => r.revision)).toEqual([3, 2, 1]);
    expect(history.body[0]).toMatchObject({
      revision: 3,
      author: 'alice',
      sourceRevision: 'abc123',
      source: 'git@example.com:cfg.git',
      config: { 'push-on-connect': true },
      diff: [{ op: 'replace', path: '/push-on-connect', value: true }],
    });
    expect(history.body[2].diff).toEqual([{ op: 'add', path: '/push-on-connect', value: true }]);

    const rolledBack = await acme('POST', `${path}/history/2/rollback?serviceInstanceName=cmx`);
    expect(rolledBack.status).toBe(200);
    expect(rolledBack.body).toMatchObject({ revision: 4, rolledBackFrom: 2, config: { 'push-on-connect': false } });
    expect((await acme('GET', `${path}?serviceInstanceName=cmx`)).body.cmx.kaa.applications[app]).toEqual({ 'push-on-connect': false });
    expect((await acme('POST', `${path}/history/99/rollback?serviceInstanceName=cmx`)).status).toBe(404);

    const versionHistory = await acme('GET', `${path}/app-versions/${version}/history?serviceInstanceName=ecr`);
    expect(versionHistory.body.map((r: { revision: number }) => r.revision)).toEqual([2, 1]);
    expect((await acme('POST', `${path}/app-versions/${version}/history/1/rollback?serviceInstanceName=ecr`)).body).toMatchObject({ revision: 3, config: { endpointConfigurationSchema: { type: 'object' } } });

    const tenantHistory = await acme('GET', '/tenant-configs/history?serviceInstanceName=ecr');
    expect(tenantHistory.body).toEqual([expect.objectContaining({ revision: 1, config: { branding: 'blue' } })]);
    expect((await acme('POST', '/tenant-configs/history/1/rollback?serviceInstanceName=ecr')).body).toMatchObject({ revision: 2 });
  });

  it('answers 404 for every path of another tenant’s application', async () => {
    const v = `/applications/${app}/app-versions/${version}`;
    const cfg = `/app-configs/applications/${app}`;
    const calls: [string, string, unknown?][] = [
      ['GET', `/applications/${app}`],
      ['PATCH', `/applications/${app}`, { displayName: 'x' }],
      ['DELETE', `/applications/${app}`],
      ['POST', `/applications/${app}/app-versions`, { nameSuffix: 'x1' }],
      ['GET', `/applications/${app}/app-versions`],
      ['GET', v],
      ['PATCH', v, { displayName: 'x' }],
      ['DELETE', v],
      ['GET', `${cfg}?serviceInstanceName=ecr`],
      ['PUT', cfg, { ecr: { kaa: { applications: { [app]: {} } } } }],
      // Neither a config the schema refuses nor an unknown instance tells that the application exists.
      ['PUT', cfg, { ecr: { kaa: { applications: { [app]: { 'endpoint-configuration': { 'schema-required': 'yes' } } } } } }],
      ['PUT', cfg, { nope: { kaa: { applications: { [app]: {} } } } }],
      ['PATCH', `${cfg}?serviceInstanceName=ecr`, {}],
      ['GET', `${cfg}/history?serviceInstanceName=ecr`],
      ['POST', `${cfg}/history/1/rollback?serviceInstanceName=ecr`],
      ['GET', `${cfg}/app-versions/${version}?serviceInstanceName=ecr`],
      ['PUT', `${cfg}/app-versions/${version}`, { ecr: { kaa: { applications: { [app]: { versions: { [version]: {} } } } } } }],
      ['PATCH', `${cfg}/app-versions/${version}?serviceInstanceName=ecr`, {}],
      ['GET', `${cfg}/app-versions/${version}/history?serviceInstanceName=ecr`],
      ['POST', `${cfg}/app-versions/${version}/history/1/rollback?serviceInstanceName=ecr`],
      ['POST', '/app-configs', { ecr: { kaa: { applications: { [app]: {} } } } }],
      ['GET', '/app-configs?tenantId=acme'],
      ['GET', '/tenant-configs?serviceInstanceName=ecr&tenantId=acme'],
    ];
    const statuses = await Promise.all(calls.map(async ([method, path, body]) => `${method} ${path} ${(await globex(method, path, body)).status}`));
    expect(statuses).toEqual(calls.map(([method, path]) => `${method} ${path} 404`));
    expect((await globex('GET', '/applications')).body).toEqual([]);
    expect(Object.keys((await globex('GET', '/app-configs?serviceInstanceName=ecr')).body.ecr.kaa.applications)).toEqual([]);
  });

  it('lets platform service accounts read every tenant through the export paths only', async () => {
    const platform = client(tekton.baseUrl, await tekton.issuer.mint('kaa', { scope: 'kaa:application:read kaa:tenant:configuration:read', sub: 'service-account-ecr' }));
    expect((await platform('GET', '/app-configs?serviceInstanceName=ecr')).body.ecr.kaa.applications[app]).toBeDefined();
    expect((await platform('GET', `/app-configs/applications/${app}?serviceInstanceName=ecr`)).status).toBe(200);
    expect((await platform('GET', `/app-configs/applications/${app}/app-versions/${version}?serviceInstanceName=ecr`)).status).toBe(200);
    expect((await platform('GET', '/tenant-configs?serviceInstanceName=ecr&tenantId=acme')).body.ecr.kaa.tenants.acme).toBeDefined();
    expect((await platform('GET', `/applications/${app}`)).status).toBe(403);
    const otherTenantBulk = client(tekton.baseUrl, await tekton.issuer.mint('globex', { scope: 'kaa:application:read' }));
    expect((await otherTenantBulk('GET', `/app-configs/applications/${app}?serviceInstanceName=ecr`)).status).toBe(404);
  });

  it('answers 403 for a missing scope and 401 for bad, expired or foreign tokens', async () => {
    const readOnly = client(tekton.baseUrl, await tekton.issuer.mint('acme', { scope: 'application:read' }));
    expect((await readOnly('PATCH', `/applications/${app}`, { displayName: 'x' })).status).toBe(403);
    expect((await readOnly('POST', '/applications', {})).status).toBe(403);
    expect((await readOnly('DELETE', `/applications/${app}`)).status).toBe(403);
    expect((await readOnly('GET', '/app-configs')).status).toBe(403);
    expect((await readOnly('GET', '/tenant-configs')).status).toBe(403);
    expect((await readOnly('PUT', `/app-configs/applications/${app}`, {})).status).toBe(403);

    const expired = client(tekton.baseUrl, await tekton.issuer.mint('acme', { scope: ALL_SCOPES, expiresInSeconds: -60 }));
    const foreignKey = client(tekton.baseUrl, await tekton.issuer.mintWithForeignKey('acme', { scope: ALL_SCOPES }));
    const stranger = await DevIssuer.start({ tenants: ['acme'] });
    const foreignIssuer = client(tekton.baseUrl, await stranger.mint('acme', { scope: ALL_SCOPES }));
    try {
      for (const call of [client(tekton.baseUrl), client(tekton.baseUrl, 'not-a-jwt'), expired, foreignKey, foreignIssuer]) {
        expect((await call('GET', `/applications/${app}`)).status).toBe(401);
      }
    } finally {
      await stranger.close();
    }
  });

  it('deletes a version and an application with their configs', async () => {
    expect((await acme('DELETE', `/applications/${app}/app-versions/${version}`)).status).toBe(204);
    expect((await acme('GET', `/app-configs/applications/${app}/app-versions/${version}?serviceInstanceName=ecr`)).status).toBe(404);
    expect((await acme('DELETE', `/applications/${app}`)).status).toBe(204);
    expect((await acme('GET', `/applications/${app}`)).status).toBe(404);
    expect((await acme('GET', `/app-configs/applications/${app}?serviceInstanceName=ecr`)).status).toBe(404);
    expect((await acme('GET', '/app-configs')).body.ecr.kaa.applications).toEqual({});
    // The name is free again once deleted.
    expect((await acme('POST', '/applications', { name: app })).status).toBe(201);
  });
});
