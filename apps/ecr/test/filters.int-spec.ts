import { randomUUID } from 'node:crypto';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { cdtp } from '@kaa/protocols';
import { DevIssuer, eventually } from '@kaa/testing';
import { EprStandIn } from './epr-stand-in.js';
import { ALL_SCOPES, api, natsConnection, reference, startEcr, type RunningEcr } from './support.js';

const updatedType = reference.updated();

interface Updated {
  appVersionName: string;
  endpointId: string;
  configId: string;
  content: Buffer;
}

/** `PUT /endpoints/filters/{filterId}` against a stand-in for Kaa EPR that checks ECR's token. */
describe('ecr: configurations by EPR endpoint filter', () => {
  const client = { clientId: `ecr-${randomUUID().slice(0, 8)}`, clientSecret: 'ecr-secret', tenant: 'kaa', scope: 'endpoint:read' };
  const kettle = `kettle${randomUUID().slice(0, 6)}`;
  const lamp = `lamp${randomUUID().slice(0, 6)}`;
  const theirs = `theirs${randomUUID().slice(0, 6)}`;
  let issuer: DevIssuer;
  let epr: EprStandIn;
  let ecr: RunningEcr;
  let acme: ReturnType<typeof api>;
  let globex: ReturnType<typeof api>;
  let nc: NatsConnection;
  let updates: Subscription;
  const received: Updated[] = [];

  const eprEnv = (url: string, clientId = client.clientId) => ({
    EPR_URL: url,
    TOKEN_URL: issuer.tokenUrlFor('kaa'),
    CLIENT_ID: clientId,
    CLIENT_SECRET: client.clientSecret,
  });

  beforeAll(async () => {
    issuer = await DevIssuer.start({ tenants: ['acme', 'globex', 'kaa'], clients: [client] });
    // Pages of 2: a filter of 5 endpoints takes three requests.
    epr = await EprStandIn.start({ issuer, realm: 'kaa', clientId: client.clientId, maxPageSize: 2 });
    ecr = await startEcr({
      issuer,
      owners: { [kettle]: 'acme', [lamp]: 'acme', [theirs]: 'globex' },
      appConfig: { kaa: { applications: { [kettle]: { 'endpoint-configuration': { schema: { type: 'object', required: ['active'] } } } } } },
      env: { ...eprEnv(epr.url), ECR_BATCH_MAX_ENDPOINTS: '6' },
    });
    acme = api(ecr.base, await issuer.mint('acme', { scope: ALL_SCOPES }));
    globex = api(ecr.base, await issuer.mint('globex', { scope: ALL_SCOPES }));
    nc = await natsConnection();
    updates = nc.subscribe(cdtp.configUpdated(ecr.instance), {
      callback: (_error, msg) => {
        received.push(updatedType.fromBuffer(Buffer.from(msg.data)) as Updated);
      },
    });
    await nc.flush();
  });

  afterAll(async () => {
    updates?.unsubscribe();
    await nc?.close();
    await ecr?.close();
    await epr?.close();
    await issuer?.close();
  });

  /** Waits for a ConfigUpdated for a fresh marker endpoint: everything enqueued before it has arrived. */
  async function drainUpdates(): Promise<Updated[]> {
    const marker = `marker-${randomUUID()}`;
    await acme('PUT', `/endpoints/${marker}/app-versions/${lamp}-v1`, { marker: true });
    await eventually(() => (received.some((u) => u.endpointId === marker) ? true : undefined));
    return received.splice(0, received.length).filter((u) => u.endpointId !== marker);
  }

  const configOf = async (call: ReturnType<typeof api>, endpointId: string, version: string, name = 'default') =>
    call('GET', `/endpoints/${endpointId}/app-versions/${version}?name=${name}`);

  it('stores the config for every endpoint EPR lists, across its pages, with one ConfigUpdated each', async () => {
    const filterId = randomUUID();
    const ids = ['f-1', 'f-2', 'f-3', 'f-4', 'f-5'].map((id) => `${id}-${filterId.slice(0, 4)}`);
    epr.addFilter(filterId, `${kettle}-v1`, ids.slice(0, 3));
    epr.addFilter(filterId, `${lamp}-v1`, ids.slice(3));
    epr.requests.length = 0;
    await drainUpdates();

    const stored = await acme('PUT', `/endpoints/filters/${filterId}`, { active: true, level: 3 });
    expect(stored.status).toBe(200);
    expect(stored.body.map((c: { endpointId: string }) => c.endpointId).sort()).toEqual([...ids].sort());
    expect(stored.body[0]).toEqual({
      endpointId: ids[0],
      appVersionName: `${kettle}-v1`,
      configId: expect.any(String),
      name: 'default',
      config: JSON.stringify({ active: true, level: 3 }),
      createdDate: expect.any(String),
      updatedDate: expect.any(String),
    });

    // EPR was asked page by page with ECR's client-credentials token, for the caller's tenant.
    expect(epr.requests).toEqual([0, 2, 4].map((offset) => ({ filterId, tenantId: 'acme', offset, limit: 2, client: client.clientId })));
    for (const [i, id] of ids.entries()) {
      const read = await configOf(acme, id, i < 3 ? `${kettle}-v1` : `${lamp}-v1`);
      expect(read.status).toBe(200);
      expect(JSON.parse(read.body.config)).toEqual({ active: true, level: 3 });
    }
    const pushed = await drainUpdates();
    expect(pushed.map((u) => u.endpointId).sort()).toEqual([...ids].sort());
    expect(new Set(pushed.map((u) => u.configId))).toEqual(new Set(stored.body.map((c: { configId: string }) => c.configId)));
  });

  it('stores a named config under ?name= and pushes nothing (consumers pull named configs)', async () => {
    const filterId = randomUUID();
    epr.addFilter(filterId, `${lamp}-v1`, ['n-1', 'n-2']);
    await drainUpdates();
    const stored = await acme('PUT', `/endpoints/filters/${filterId}?name=night-mode`, { dim: 10 });
    expect(stored.status).toBe(200);
    expect(stored.body.map((c: { name: string }) => c.name)).toEqual(['night-mode', 'night-mode']);
    expect(JSON.parse((await configOf(acme, 'n-2', `${lamp}-v1`, 'night-mode')).body.config)).toEqual({ dim: 10 });
    expect((await configOf(acme, 'n-2', `${lamp}-v1`)).status).toBe(404);
    expect(await drainUpdates()).toEqual([]);
  });

  it('validates against the app version schema and stores nothing when the config violates it', async () => {
    const filterId = randomUUID();
    epr.addFilter(filterId, `${lamp}-v1`, ['s-1']);
    epr.addFilter(filterId, `${kettle}-v1`, ['s-2']);
    const refused = await acme('PUT', `/endpoints/filters/${filterId}`, { level: 1 });
    expect(refused.status).toBe(400);
    expect(refused.body.violations).toEqual([{ pointer: '/active', message: expect.any(String) }]);
    // The lamp endpoint (no schema) was not stored either: all or nothing.
    expect((await configOf(acme, 's-1', `${lamp}-v1`)).status).toBe(404);
    expect((await configOf(acme, 's-2', `${kettle}-v1`)).status).toBe(404);
  });

  it('refuses a filter holding more than ECR_BATCH_MAX_ENDPOINTS endpoints with 413, storing nothing', async () => {
    const filterId = randomUUID();
    const ids = Array.from({ length: 7 }, (_, i) => `big-${i}`);
    epr.addFilter(filterId, `${lamp}-v1`, ids);
    epr.requests.length = 0;
    const refused = await acme('PUT', `/endpoints/filters/${filterId}`, { active: true });
    expect(refused.status).toBe(413);
    expect(refused.body.message).toMatch(/ECR_BATCH_MAX_ENDPOINTS/);
    // EPR's first page said how many there are: no further page was read.
    expect(epr.requests).toHaveLength(1);
    for (const id of ids) expect((await configOf(acme, id, `${lamp}-v1`)).status).toBe(404);
  });

  it('answers 404 for a filter EPR does not know', async () => {
    const refused = await acme('PUT', `/endpoints/filters/${randomUUID()}`, { active: true });
    expect(refused.status).toBe(404);
    expect(refused.body.message).toMatch(/^filter .* not found$/);
  });

  it("answers 404 to another tenant for acme's filter, and changes none of acme's configs", async () => {
    const filterId = randomUUID();
    epr.addFilter(filterId, `${lamp}-v1`, ['t-1', 't-2']);
    const before = await acme('PUT', `/endpoints/filters/${filterId}`, { active: true });
    expect(before.status).toBe(200);

    // EPR (this stand-in) lists the endpoints whatever tenant is asked for: ECR's ownership check decides.
    const refused = await globex('PUT', `/endpoints/filters/${filterId}`, { active: false });
    expect(refused.status).toBe(404);
    expect(refused.body.message).toBe(`app version ${lamp}-v1 not found`);
    const after = await configOf(acme, 't-1', `${lamp}-v1`);
    expect(after.body.configId).toBe(before.body[0].configId);
    expect((await configOf(globex, 't-1', `${lamp}-v1`)).status).toBe(404);
  });

  it("answers 404 for the whole call when the filter lists another tenant's endpoints too, storing nothing", async () => {
    const filterId = randomUUID();
    epr.addFilter(filterId, `${lamp}-v1`, ['m-1']);
    epr.addFilter(filterId, `${theirs}-v1`, ['m-2']);
    const refused = await acme('PUT', `/endpoints/filters/${filterId}`, { active: true });
    expect(refused.status).toBe(404);
    expect((await configOf(acme, 'm-1', `${lamp}-v1`)).status).toBe(404);
    expect((await configOf(globex, 'm-2', `${theirs}-v1`)).status).toBe(404);
  });

  it('answers 503 with Retry-After while EPR fails, and stores nothing', async () => {
    const filterId = randomUUID();
    epr.addFilter(filterId, `${lamp}-v1`, ['u-1']);
    epr.failWith = 500;
    try {
      const refused = await acme('PUT', `/endpoints/filters/${filterId}`, { active: true });
      expect(refused.status).toBe(503);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(refused.body.message).toMatch(/EPR answered HTTP 500; nothing was stored, retry later/);
    } finally {
      epr.failWith = undefined;
    }
    expect((await configOf(acme, 'u-1', `${lamp}-v1`)).status).toBe(404);
  });

  it('refuses a missing body and a bad config name with 400 before asking EPR', async () => {
    epr.requests.length = 0;
    expect((await acme('PUT', '/endpoints/filters/x?name=bad%20name', { active: true })).status).toBe(400);
    expect((await acme('PUT', '/endpoints/filters/x')).status).toBe(400);
    expect(epr.requests).toEqual([]);
  });

  describe('other EPR settings', () => {
    it('answers 501 naming EPR_URL when it is not set', async () => {
      const plain = await startEcr({ issuer, owners: { [lamp]: 'acme' } });
      try {
        const refused = await api(plain.base, await issuer.mint('acme', { scope: ALL_SCOPES }))('PUT', `/endpoints/filters/${randomUUID()}`, { active: true });
        expect(refused.status).toBe(501);
        expect(refused.body.message).toMatch(/set EPR_URL/);
      } finally {
        await plain.close();
      }
    });

    it('answers 503 with Retry-After when EPR does not answer at all', async () => {
      const gone = await EprStandIn.start({ issuer, realm: 'kaa', clientId: client.clientId });
      await gone.close();
      const down = await startEcr({ issuer, owners: { [lamp]: 'acme' }, env: eprEnv(gone.url) });
      try {
        const refused = await api(down.base, await issuer.mint('acme', { scope: ALL_SCOPES }))('PUT', `/endpoints/filters/${randomUUID()}`, { active: true });
        expect(refused.status).toBe(503);
        expect(refused.body.message).toMatch(/EPR is unreachable/);
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      } finally {
        await down.close();
      }
    });

    it("answers 503 when EPR refuses ECR's token (another client's token is not accepted)", async () => {
      const other = { ...client, clientId: `other-${randomUUID().slice(0, 8)}` };
      issuer.addClient(other);
      const filterId = randomUUID();
      epr.addFilter(filterId, `${lamp}-v1`, ['w-1']);
      const wrong = await startEcr({ issuer, owners: { [lamp]: 'acme' }, env: eprEnv(epr.url, other.clientId) });
      try {
        const refused = await api(wrong.base, await issuer.mint('acme', { scope: ALL_SCOPES }))('PUT', `/endpoints/filters/${filterId}`, { active: true });
        expect(refused.status).toBe(503);
        expect(refused.body.message).toMatch(/EPR refused ECR's token \(HTTP 401\)/);
      } finally {
        await wrong.close();
      }
    });
  });
});
