import { ALL_SCOPES, client, startTekton, type Tekton } from './support.js';

const CONFIG_MAX_BYTES = 20_000;
const DIFF_MAX_BYTES = 2048;

describe('tekton bounds: paged history, config size, list and creation limits', () => {
  let tekton: Tekton;
  let acme: ReturnType<typeof client>;
  const app = `bounds_${Date.now().toString(36)}`;
  const path = `/app-configs/applications/${app}`;
  const cmx = (config: unknown) => ({ cmx: { kaa: { applications: { [app]: config } } } });

  beforeAll(async () => {
    tekton = await startTekton({
      env: {
        TEKTON_CONFIG_MAX_BYTES: String(CONFIG_MAX_BYTES),
        TEKTON_HISTORY_DIFF_MAX_BYTES: String(DIFF_MAX_BYTES),
        TEKTON_MAX_APPLICATIONS_PER_TENANT: '3',
        TEKTON_MAX_VERSIONS_PER_APPLICATION: '2',
        INTEGRATIONS_MAX_PROVIDERS_PER_TENANT: '2',
        INTEGRATIONS_MAX_NOTIFICATIONS_PER_TENANT: '2',
        // The providers point at a loopback receiver (refused unless allowed).
        INTEGRATIONS_ALLOWED_NETWORKS: '127.0.0.1/32',
      },
    });
    acme = client(tekton.baseUrl, await tekton.issuer.mint('acme', { scope: [...ALL_SCOPES, 'integration:read', 'integration:update'], sub: 'alice' }));
    expect((await acme('POST', '/applications', { name: app })).status).toBe(201);
    expect((await acme('POST', `/applications/${app}/app-versions`, { nameSuffix: 'v1' })).status).toBe(201);
  });

  afterAll(() => tekton?.close());

  it('pages a long history, each entry with its diff from the one before', async () => {
    for (let n = 1; n <= 30; n++) expect((await acme('PUT', path, cmx({ n }))).status).toBe(200);

    const first = await acme('GET', `${path}/history?serviceInstanceName=cmx&size=10`);
    expect(first.status).toBe(200);
    expect(first.body.map((r: { revision: number }) => r.revision)).toEqual([30, 29, 28, 27, 26, 25, 24, 23, 22, 21]);
    expect(first.body[0]).toMatchObject({ config: { n: 30 }, diff: [{ op: 'replace', path: '/n', value: 30 }] });
    // The oldest entry of the page is diffed against the revision just past the page.
    expect(first.body[9].diff).toEqual([{ op: 'replace', path: '/n', value: 21 }]);
    expect(Object.fromEntries(['x-total-elements', 'x-total-pages', 'x-page-number', 'x-page-size'].map((h) => [h, first.headers.get(h)]))).toEqual({
      'x-total-elements': '30',
      'x-total-pages': '3',
      'x-page-number': '0',
      'x-page-size': '10',
    });

    const last = await acme('GET', `${path}/history?serviceInstanceName=cmx&size=10&page=2`);
    expect(last.body.map((r: { revision: number }) => r.revision)).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(last.body[9].diff).toEqual([{ op: 'add', path: '/n', value: 1 }]);
    expect(last.headers.get('x-page-number')).toBe('2');
    expect((await acme('GET', `${path}/history?serviceInstanceName=cmx&size=10&page=3`)).body).toEqual([]);

    const byDefault = await acme('GET', `${path}/history?serviceInstanceName=cmx`);
    expect(byDefault.body).toHaveLength(20);
    expect(byDefault.headers.get('x-page-size')).toBe('20');
    expect((await acme('GET', `${path}/history?serviceInstanceName=cmx&size=100`)).body).toHaveLength(30);
  });

  it('refuses bad paging parameters with 400', async () => {
    for (const query of ['size=0', 'size=101', 'size=ten', 'page=-1', 'page=1.5', 'size=']) {
      const response = await acme('GET', `${path}/history?serviceInstanceName=cmx&${query}`);
      expect({ query, status: response.status }).toEqual({ query, status: query === 'size=' ? 200 : 400 });
    }
    const bad = await acme('GET', `/tenant-configs/history?serviceInstanceName=ecr&size=1000`);
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe('size must be between 1 and 100');
    expect((await acme('GET', `/applications?page=x`)).status).toBe(400);
  });

  it('omits a diff larger than TEKTON_HISTORY_DIFF_MAX_BYTES, saying so', async () => {
    const version = `${app}-v1`;
    const versionPath = `${path}/app-versions/${version}`;
    const doc = (schema: unknown) => ({ ecr: { kaa: { applications: { [app]: { versions: { [version]: { endpointConfigurationSchema: schema } } } } } } });
    expect((await acme('PUT', versionPath, doc({ type: 'object' }))).status).toBe(200);
    expect((await acme('PUT', versionPath, doc({ type: 'object', description: 'x'.repeat(DIFF_MAX_BYTES) }))).status).toBe(200);
    const history = await acme('GET', `${versionPath}/history?serviceInstanceName=ecr`);
    expect(history.body[0]).toMatchObject({ revision: 2, diff: null, diffOmitted: expect.stringMatching(/^diff omitted: \d+ bytes, larger than 2048$/) });
    expect(history.body[0].config.endpointConfigurationSchema.description).toHaveLength(DIFF_MAX_BYTES);
    expect(history.body[1]).toMatchObject({ revision: 1, diff: [{ op: 'add', path: '/endpointConfigurationSchema', value: { type: 'object' } }] });
  });

  it('refuses a config larger than TEKTON_CONFIG_MAX_BYTES with 413 on every write path, changing nothing', async () => {
    const big = { n: 0, padding: 'x'.repeat(CONFIG_MAX_BYTES) };
    const stored = async () => (await acme('GET', `${path}?serviceInstanceName=cmx`)).body.cmx.kaa.applications[app];
    const revisions = async () => (await acme('GET', `${path}/history?serviceInstanceName=cmx&size=1`)).headers.get('x-total-elements');
    const before = { config: await stored(), revisions: await revisions() };

    const put = await acme('PUT', path, cmx(big));
    expect(put.status).toBe(413);
    expect(put.body.message).toMatch(new RegExp(`^the cmx configuration of application ${app} .* is \\d+ bytes of JSON; at most ${CONFIG_MAX_BYTES} are stored$`));
    expect((await acme('PATCH', `${path}?serviceInstanceName=cmx`, { padding: big.padding })).status).toBe(413);
    expect((await acme('POST', '/app-configs', cmx(big))).status).toBe(413);
    const tenant = await acme('PUT', '/tenant-configs', { ecr: { kaa: { tenants: { acme: { config: big } } } } });
    expect(tenant.status).toBe(413);
    const version = `${app}-v1`;
    const versionPut = await acme('PUT', `${path}/app-versions/${version}`, { ecr: { kaa: { applications: { [app]: { versions: { [version]: { endpointConfigurationSchema: big } } } } } } });
    expect(versionPut.status).toBe(413);

    expect({ config: await stored(), revisions: await revisions() }).toEqual(before);
    expect((await acme('GET', '/tenant-configs?serviceInstanceName=ecr')).body).toEqual({ ecr: { kaa: { tenants: {} } } });
    // Just under the limit is stored.
    expect((await acme('PUT', path, cmx({ n: 0, padding: 'x'.repeat(CONFIG_MAX_BYTES - 100) }))).status).toBe(200);
  });

  it('caps applications per tenant and versions per application (409), and pages their lists', async () => {
    for (const suffix of ['b', 'c']) expect((await acme('POST', '/applications', { name: `${app}_${suffix}` })).status).toBe(201);
    const refused = await acme('POST', '/applications', { name: `${app}_d` });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toBe('the tenant has 3 applications, the most allowed (3); delete one first');
    expect((await acme('GET', `/applications/${app}_d`)).status).toBe(404);

    const all = await acme('GET', '/applications');
    expect(all.body.map((a: { name: string }) => a.name)).toEqual([app, `${app}_b`, `${app}_c`]);
    const second = await acme('GET', '/applications?size=2&page=1');
    expect(second.body.map((a: { name: string }) => a.name)).toEqual([`${app}_c`]);
    expect([second.headers.get('x-total-elements'), second.headers.get('x-total-pages')]).toEqual(['3', '2']);
    expect((await acme('GET', '/applications?size=4')).status).toBe(400);

    expect((await acme('POST', `/applications/${app}/app-versions`, { nameSuffix: 'v2' })).status).toBe(201);
    const version = await acme('POST', `/applications/${app}/app-versions`, { nameSuffix: 'v3' });
    expect(version.status).toBe(409);
    expect(version.body.message).toBe(`application ${app} has 2 versions, the most allowed (2); delete one first`);
    const versions = await acme('GET', `/applications/${app}/app-versions?size=1&page=1`);
    expect(versions.body.map((v: { name: string }) => v.name)).toEqual([`${app}-v2`]);
    expect(versions.headers.get('x-total-elements')).toBe('2');
    // Deleting makes room again.
    expect((await acme('DELETE', `/applications/${app}_c`)).status).toBe(204);
    expect((await acme('POST', '/applications', { name: `${app}_d` })).status).toBe(201);
  });

  it('caps providers and notifications per tenant (409), and pages their lists and the delivery log', async () => {
    const provider = (name: string) => ({ name, type: 'generic', address: 'http://127.0.0.1:9/hook' });
    expect((await acme('POST', '/providers', provider('p1'))).status).toBe(201);
    expect((await acme('POST', '/providers', provider('p2'))).status).toBe(201);
    const refused = await acme('POST', '/providers', provider('p3'));
    expect(refused.status).toBe(409);
    expect(refused.body.message).toBe('the tenant has 2 providers, the most allowed (2); delete one first');
    expect((await acme('GET', '/providers')).body.map((p: { name: string }) => p.name)).toEqual(['p1', 'p2']);
    const page = await acme('GET', '/providers?size=1&page=1');
    expect(page.body.map((p: { name: string }) => p.name)).toEqual(['p2']);
    expect(page.headers.get('x-total-elements')).toBe('2');

    expect((await acme('POST', '/notifications', { name: 'n1', providerRef: 'p1' })).status).toBe(201);
    expect((await acme('POST', '/notifications', { name: 'n2', providerRef: 'p1' })).status).toBe(201);
    const tooMany = await acme('POST', '/notifications', { name: 'n3', providerRef: 'p2' });
    expect(tooMany.status).toBe(409);
    expect(tooMany.body.message).toBe('the tenant has 2 notifications, the most allowed (2); delete one first');
    expect((await acme('GET', '/notifications?size=1')).body.map((n: { name: string }) => n.name)).toEqual(['n1']);
    expect((await acme('GET', '/notifications?size=3')).status).toBe(400);

    const log = await acme('GET', '/notifications/n1/deliveries?size=10');
    expect(log.status).toBe(200);
    expect(log.headers.get('x-page-size')).toBe('10');
    expect((await acme('GET', '/notifications/n1/deliveries?size=501')).status).toBe(400);
  });
});
