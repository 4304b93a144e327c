import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { ALL_SCOPES } from '@kaa/auth';
import { NatsHeaders } from '@kaa/nats';
import { systemConfig } from '@kaa/protocols';
import { DevIssuer, eventually, uniqueName } from '@kaa/testing';
import { api, natsConnection, referenceType, startEcr, type RunningEcr } from './support.js';

interface Notice {
  tenantId: string;
  configName: string;
  configLevel: string;
  configLevelId: string;
  contentType: string;
  content: string;
  originatorReplicaId: string | null;
  revision: number;
}

describe('ecr system configurations (/system/...) and 27/SCMP', () => {
  let issuer: DevIssuer;
  let ecr: RunningEcr;
  let nc: NatsConnection;
  let sub: Subscription;
  const notices: Notice[] = [];
  const app = uniqueName('sys').replace(/-/g, '');
  const version = `${app}-v1`;
  const version2 = `${app}-v2`;
  const otherApp = `${app}globex`;
  const endpoint = uniqueName('ep');
  let acme: ReturnType<typeof api>;
  let globex: ReturnType<typeof api>;
  let platform: ReturnType<typeof api>;
  const doc = (value: unknown) => JSON.stringify(value);

  beforeAll(async () => {
    issuer = await DevIssuer.start({ tenants: ['acme', 'globex', 'kaa'] });
    ecr = await startEcr({ issuer, owners: { [app]: 'acme', [otherApp]: 'globex' } });
    acme = api(ecr.base, await issuer.mint('acme', { scope: [...ALL_SCOPES] }));
    globex = api(ecr.base, await issuer.mint('globex', { scope: [...ALL_SCOPES] }));
    platform = api(ecr.base, await issuer.mint('kaa', { scope: [...ALL_SCOPES] }));
    const reference = referenceType('0027-system-config-updated.avsc');
    nc = await natsConnection();
    sub = nc.subscribe(systemConfig.updated(ecr.instance), {
      callback: (_error, msg) => {
        const decoded = reference.fromBuffer(Buffer.from(msg.data)) as Omit<Notice, 'content' | 'revision'> & { content: Buffer };
        notices.push({ ...decoded, content: decoded.content.toString('utf8'), revision: Number(msg.headers?.get(NatsHeaders.configRevision)) });
      },
    });
    await nc.flush();
  });

  afterAll(async () => {
    sub?.unsubscribe();
    await nc?.close();
    await ecr?.close();
    await issuer?.close();
  });

  const noticesFor = (level: string, levelId: string, name: string) => notices.filter((n) => n.configLevel === level && n.configLevelId === levelId && n.configName === name);

  it('creates, lists, reads, updates and deletes at the tenant level, announcing each change', async () => {
    const base = '/system/tenants/acme/configs';
    const created = await acme('POST', base, { name: 'alert-email-recipients', displayName: 'Alert email recipients', config: doc({ emails: ['a@acme.com'] }) });
    expect(created.status).toBe(201);
    const configId: string = created.body.configId;
    expect(created.headers.get('location')).toBe(`/api/v1${base}/${configId}`);
    expect(created.headers.get('etag')).toMatch(/^".+"$/);
    expect(created.body).toEqual({
      configId,
      name: 'alert-email-recipients',
      displayName: 'Alert email recipients',
      config: '{"emails":["a@acme.com"]}',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });

    expect((await acme('POST', base, { name: 'alert-email-recipients', config: '{}' })).status).toBe(409);
    for (const bad of [
      { name: 'bad name', config: '{}' },
      { config: '{}' },
      { name: 'x', config: { emails: [] } },
      { name: 'x', config: '{"emails": [' },
      { name: 'x', config: '{}', extra: 1 },
      { name: 'x', displayName: 7, config: '{}' },
    ]) {
      const refused = await acme('POST', base, bad);
      expect([refused.status, typeof refused.body.message]).toEqual([400, 'string']);
    }
    expect((await acme('POST', base, '[1]')).status).toBe(400);

    const list = await acme('GET', base);
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ content: [created.body], totalElements: 1 });
    expect((await acme('GET', `${base}/${configId}`)).body).toEqual(created.body);

    const updated = await acme('PUT', `${base}/${configId}`, { name: 'alert-email-recipients', config: doc({ emails: ['b@acme.com'] }) });
    expect(updated.status).toBe(204);
    expect(updated.headers.get('etag')).not.toBe(created.headers.get('etag'));
    const read = await acme('GET', `${base}/${configId}`);
    expect(read.body).toMatchObject({ configId, displayName: null, config: '{"emails":["b@acme.com"]}', createdAt: created.body.createdAt });
    expect((await acme('PUT', `${base}/${configId}`, { name: 'x', config: 'nope' })).status).toBe(400);
    expect((await acme('PUT', `${base}/no-such-id`, { name: 'x', config: '{}' })).status).toBe(404);
    const second = await acme('POST', base, { name: 'second', config: '1' });
    expect((await acme('PUT', `${base}/${second.body.configId}`, { name: 'alert-email-recipients', config: '2' })).status).toBe(409);

    expect((await acme('DELETE', `${base}/${configId}`)).status).toBe(204);
    expect((await acme('GET', `${base}/${configId}`)).status).toBe(404);
    expect((await acme('DELETE', `${base}/${configId}`)).status).toBe(404);

    // Every change, in order, as the Kaa reference schema reads it; the refused ones sent nothing.
    const seen = await eventually(() => {
      const found = noticesFor('TENANT', 'acme', 'alert-email-recipients');
      return found.length >= 3 ? found : undefined;
    });
    expect(seen.map((n) => n.content)).toEqual(['{"emails":["a@acme.com"]}', '{"emails":["b@acme.com"]}', '']);
    expect(seen[0]).toMatchObject({ tenantId: 'acme', contentType: 'application/json', originatorReplicaId: expect.any(String) });
    expect(seen.map((n) => n.revision)).toEqual([...seen.map((n) => n.revision)].sort((a, b) => a - b));
    expect(new Set(seen.map((n) => n.revision)).size).toBe(3);
  });

  it('serves the current config by name, inherited from the nearest level above unless SKIP', async () => {
    const post = (path: string, config: unknown, name = 'limits') => acme('POST', `/system/${path}/configs`, { name, config: doc(config) });
    const current = async (path: string, query = '') => {
      const res = await acme('GET', `/system/${path}/configs/current?name=limits${query}`);
      return res.status === 200 ? [res.headers.get('x-kaa-config-level'), JSON.parse(res.body.config)] : res.status;
    };
    expect(await current(`app-versions/${version}`)).toBe(404);
    expect((await post('tenants/acme', { from: 'tenant' })).status).toBe(201);
    expect(await current(`app-versions/${version}`)).toEqual(['TENANT', { from: 'tenant' }]);
    expect(await current(`applications/${app}`)).toEqual(['TENANT', { from: 'tenant' }]);
    expect(await current(`endpoints/${endpoint}`)).toEqual(['TENANT', { from: 'tenant' }]);
    expect((await post(`applications/${app}`, { from: 'application' })).status).toBe(201);
    expect(await current(`app-versions/${version}`)).toEqual(['APPLICATION', { from: 'application' }]);
    expect((await post(`app-versions/${version}`, { from: 'version' })).status).toBe(201);
    expect(await current(`app-versions/${version}`)).toEqual(['APP_VERSION', { from: 'version' }]);
    expect(await current(`app-versions/${version2}`)).toEqual(['APPLICATION', { from: 'application' }]);
    expect(await current(`app-versions/${version2}`, '&treeTraversalStrategy=SKIP')).toBe(404);
    expect(await current(`applications/${app}`, '&treeTraversalStrategy=SKIP')).toEqual(['APPLICATION', { from: 'application' }]);

    // An endpoint inherits from the app version it is named with, or the one it has configs under.
    expect(await current(`endpoints/${endpoint}`, `&appVersionName=${version}`)).toEqual(['APP_VERSION', { from: 'version' }]);
    expect(await current(`endpoints/${endpoint}`, `&appVersionName=${version2}`)).toEqual(['APPLICATION', { from: 'application' }]);
    expect((await acme('PUT', `/endpoints/${endpoint}/app-versions/${version}`, { any: 1 })).status).toBe(200);
    expect(await current(`endpoints/${endpoint}`)).toEqual(['APP_VERSION', { from: 'version' }]);
    expect((await acme('PUT', `/endpoints/${endpoint}/app-versions/${version2}`, { any: 1 })).status).toBe(200);
    expect(await current(`endpoints/${endpoint}`)).toBe(400);
    expect(await current(`endpoints/${endpoint}`, '&treeTraversalStrategy=SKIP')).toBe(404);
    expect((await post(`endpoints/${endpoint}`, { from: 'endpoint' })).status).toBe(201);
    expect(await current(`endpoints/${endpoint}`, '&treeTraversalStrategy=SKIP')).toEqual(['ENDPOINT', { from: 'endpoint' }]);
    expect(await current(`endpoints/${endpoint}`)).toEqual(['ENDPOINT', { from: 'endpoint' }]);

    // `name` defaults to `default`; unknown strategies and names are refused.
    expect((await acme('GET', `/system/tenants/acme/configs/current`)).status).toBe(404);
    expect((await post('tenants/acme', { plain: true }, 'default')).status).toBe(201);
    expect(JSON.parse((await acme('GET', `/system/app-versions/${version}/configs/current`)).body.config)).toEqual({ plain: true });
    expect((await acme('GET', `/system/tenants/acme/configs/current?treeTraversalStrategy=SIDEWAYS`)).status).toBe(400);
    expect((await acme('GET', `/system/tenants/acme/configs/current?name=bad.name`)).status).toBe(400);
    expect((await acme('GET', `/system/endpoints/${endpoint}/configs/current?appVersionName=${otherApp}-v1`)).status).toBe(404);
  });

  it("answers 404 for another tenant's levels and keeps endpoint ids per tenant", async () => {
    const acmeTenant = (await acme('GET', '/system/tenants/acme/configs')).body.content[0];
    const paths = ['/system/tenants/acme/configs', `/system/applications/${app}/configs`, `/system/app-versions/${version}/configs`];
    for (const path of paths) {
      expect((await globex('GET', path)).status).toBe(404);
      expect((await globex('GET', `${path}/current?name=limits`)).status).toBe(404);
      expect((await globex('POST', path, { name: 'intruder', config: '{}' })).status).toBe(404);
      expect((await globex('POST', path, { bad: 'body' })).status).toBe(404);
    }
    expect((await globex('GET', `/system/tenants/acme/configs/${acmeTenant.configId}`)).status).toBe(404);
    expect((await globex('PUT', `/system/tenants/acme/configs/${acmeTenant.configId}`, { name: 'x', config: '{}' })).status).toBe(404);
    expect((await globex('DELETE', `/system/tenants/acme/configs/${acmeTenant.configId}`)).status).toBe(404);
    // acme's config ids are not found under globex's own tenant either.
    expect((await globex('GET', `/system/tenants/globex/configs/${acmeTenant.configId}`)).status).toBe(404);
    expect((await globex('GET', `/system/applications/nobody-owns-this/configs`)).status).toBe(404);

    // The same endpoint id at globex is globex's own endpoint.
    expect((await globex('GET', `/system/endpoints/${endpoint}/configs`)).body).toEqual({ content: [], totalElements: 0 });
    expect((await globex('GET', `/system/endpoints/${endpoint}/configs/current?name=limits`)).status).toBe(404);
    expect((await globex('POST', `/system/endpoints/${endpoint}/configs`, { name: 'limits', config: '"globex"' })).status).toBe(201);
    expect(JSON.parse((await acme('GET', `/system/endpoints/${endpoint}/configs/current?name=limits`)).body.config)).toEqual({ from: 'endpoint' });
    expect((await globex('GET', `/system/endpoints/${endpoint}/configs?tenantId=acme`)).status).toBe(404);
    expect((await acme('GET', '/system/tenants/acme/configs')).body.content).toEqual(expect.arrayContaining([acmeTenant]));
  });

  it("lets the platform tenant write and read any tenant's levels", async () => {
    const created = await platform('POST', '/system/tenants/acme/configs', { name: 'quota', config: '{"max":5}' });
    expect(created.status).toBe(201);
    expect((await acme('GET', `/system/tenants/acme/configs/${created.body.configId}`)).body.config).toBe('{"max":5}');
    expect((await platform('POST', `/system/app-versions/${version}/configs`, { name: 'quota', config: '{"max":6}' })).status).toBe(201);
    expect(JSON.parse((await acme('GET', `/system/app-versions/${version}/configs/current?name=quota`)).body.config)).toEqual({ max: 6 });
    expect((await platform('POST', `/system/endpoints/${endpoint}/configs?tenantId=acme`, { name: 'quota', config: '{"max":7}' })).status).toBe(201);
    expect(JSON.parse((await acme('GET', `/system/endpoints/${endpoint}/configs/current?name=quota`)).body.config)).toEqual({ max: 7 });
    expect((await globex('GET', `/system/endpoints/${endpoint}/configs/current?name=quota`)).status).toBe(404);
    expect((await platform('PUT', `/system/tenants/acme/configs/${created.body.configId}`, { name: 'quota', config: '{"max":8}' })).status).toBe(204);
    expect((await platform('GET', `/system/tenants/nosuchtenant/configs`)).status).toBe(404);
    expect((await platform('POST', `/system/endpoints/${endpoint}/configs?tenantId=nosuchtenant`, { name: 'q', config: '1' })).status).toBe(404);
    const notice = await eventually(() => noticesFor('ENDPOINT', endpoint, 'quota')[0]);
    expect(notice).toMatchObject({ tenantId: 'acme', content: '{"max":7}' });
  });

  it('refuses without the level scope (403)', async () => {
    const readOnly = api(ecr.base, await issuer.mint('acme', { scope: ['endpoint:read', 'application:endpoint-config:read'] }));
    expect((await readOnly('GET', `/system/endpoints/${endpoint}/configs`)).status).toBe(200);
    expect((await readOnly('POST', `/system/endpoints/${endpoint}/configs`, { name: 'x', config: '1' })).status).toBe(403);
    expect((await readOnly('GET', '/system/tenants/acme/configs')).status).toBe(403);
    const tenantReader = api(ecr.base, await issuer.mint('acme', { scope: ['tenant:configuration:read'] }));
    expect((await tenantReader('GET', '/system/tenants/acme/configs')).status).toBe(200);
    expect((await tenantReader('DELETE', '/system/tenants/acme/configs/x')).status).toBe(403);
  });
});
