import { randomBytes, randomUUID } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import { cdtp } from '@kaa/protocols';
import { DevIssuer, eventually, query, uniqueName } from '@kaa/testing';
import {
  ALL_SCOPES,
  api,
  ecrClient,
  natsConnection,
  reference,
  startEcr,
  startTektonProcess,
  TEKTON_SCOPES,
  tektonEnv,
  type RunningEcr,
  type RunningTekton,
} from './support.js';

const requestType = reference.request();
const responseType = reference.response();
const rand = () => randomBytes(3).toString('hex');

interface Response {
  statusCode: number;
  configId: string | null;
  content: Buffer | null;
}

async function pull(nc: NatsConnection, ecr: RunningEcr, endpointId: string, appVersionName: string): Promise<Response> {
  const bytes = requestType.toBuffer({ correlationId: randomUUID(), timestamp: Date.now(), timeout: 0, appVersionName, endpointId, configId: null, configName: null });
  const reply = await nc.request(cdtp.request(ecr.instance), bytes, { timeout: 5000 });
  return responseType.fromBuffer(Buffer.from(reply.data)) as Response;
}

const contentOf = (response: Response) => (response.content ? JSON.parse(response.content.toString('utf8')) : undefined);

/** `ecr_foreign_rows` of one replica, by table and reason. */
async function foreignRows(replica: RunningEcr): Promise<Record<string, number>> {
  const text = await (await fetch(`${replica.base.replace('/api/v1', '')}/metrics`)).text();
  const rows: Record<string, number> = {};
  for (const match of text.matchAll(/^ecr_foreign_rows\{([^}]*)\} (\d+)/gm)) {
    const table = /table="(\w+)"/.exec(match[1])?.[1];
    const reason = /reason="(\w+)"/.exec(match[1])?.[1];
    rows[`${table}/${reason}`] = Number(match[2]);
  }
  return rows;
}

/** Issue 12, finding 1: two tenants with their own applications in tekton; globex attacks acme's. */
describe('app version ownership from tekton', () => {
  const ecrInstance = uniqueName('ecr');
  const credentials = ecrClient(`ecr-${rand()}`);
  const victimApp = `victim-app${rand()}`;
  const victim = `${victimApp}-v1`;
  const attackerApp = `attacker-app${rand()}`;
  const attacker = `${attackerApp}-v1`;
  const schema = { type: 'object', properties: { server: { type: 'string' } }, required: ['server'] };
  let issuer: DevIssuer;
  let tekton: RunningTekton;
  let ecr: RunningEcr;
  let nc: NatsConnection;
  let acmeTekton: ReturnType<typeof api>;
  let acme: ReturnType<typeof api>;
  let globex: ReturnType<typeof api>;

  beforeAll(async () => {
    issuer = await DevIssuer.start({ tenants: ['acme', 'globex', 'kaa'], clients: [credentials] });
    tekton = await startTektonProcess({ issuer, ecrInstance });
    acmeTekton = api(`${tekton.url}/api/v1`, await issuer.mint('acme', { scope: TEKTON_SCOPES }));
    const globexTekton = api(`${tekton.url}/api/v1`, await issuer.mint('globex', { scope: TEKTON_SCOPES }));
    expect((await acmeTekton('POST', '/applications', { name: victimApp })).status).toBe(201);
    expect((await acmeTekton('POST', `/applications/${victimApp}/app-versions`, { nameSuffix: 'v1' })).status).toBe(201);
    expect((await acmeTekton('POST', `/applications/${victimApp}/app-versions`, { nameSuffix: 'v2' })).status).toBe(201);
    const versionConfig = { [ecrInstance]: { kaa: { applications: { [victimApp]: { versions: { [victim]: { endpointConfigurationSchema: schema } } } } } } };
    expect((await acmeTekton('PUT', `/app-configs/applications/${victimApp}/app-versions/${victim}`, versionConfig)).status).toBe(200);
    expect((await globexTekton('POST', '/applications', { name: attackerApp })).status).toBe(201);
    expect((await globexTekton('POST', `/applications/${attackerApp}/app-versions`, { nameSuffix: 'v1' })).status).toBe(201);

    ecr = await startEcr({
      issuer,
      instance: ecrInstance,
      env: { ...tektonEnv(issuer, tekton, credentials.clientId), ECR_BATCH_MAX_ENDPOINTS: '5', ECR_CONFIG_MAX_BYTES: '1024' },
    });
    acme = api(ecr.base, await issuer.mint('acme', { scope: ALL_SCOPES }));
    globex = api(ecr.base, await issuer.mint('globex', { scope: ALL_SCOPES }));
    nc = await natsConnection();
  }, 180_000);

  afterAll(async () => {
    await nc?.close();
    await ecr?.close();
    await tekton?.close();
    await issuer?.close();
  });

  it("does not show acme's schema to globex", async () => {
    const read = await globex('GET', `/app-versions/${victim}/schemas`);
    expect(read.status).toBe(404);
    expect(JSON.stringify(read.body)).not.toContain('server');
    expect((await globex('PUT', `/app-versions/${victim}/schemas/validate`, { server: 'x' })).status).toBe(404);
    expect((await acme('GET', `/app-versions/${victim}/schemas`)).body).toEqual(schema);
  });

  it("refuses globex's default on acme's version; acme's devices never get it and acme's own writes still work", async () => {
    expect((await globex('PUT', `/app-versions/${victim}`, { server: 'evil.example' })).status).toBe(404);
    expect((await globex('PUT', `/endpoints/dev-1/app-versions/${victim}`, { server: 'evil.example' })).status).toBe(404);
    expect((await globex('PUT', '/endpoints/batch', { configPayload: { server: 'evil.example' }, endpoints: { [victim]: ['dev-2'] } })).status).toBe(404);
    expect((await pull(nc, ecr, 'dev-1', victim)).statusCode).toBe(404);

    const own = await acme('PUT', `/app-versions/${victim}`, { server: 'acme.example' });
    expect(own.status).toBe(200);
    const pulled = await pull(nc, ecr, 'dev-1', victim);
    expect(pulled.statusCode).toBe(200);
    expect(contentOf(pulled)).toEqual({ server: 'acme.example' });
    expect((await acme('PUT', `/endpoints/dev-2/app-versions/${victim}`, { server: 'dev2.acme.example' })).status).toBe(200);
    expect(contentOf(await pull(nc, ecr, 'dev-2', victim))).toEqual({ server: 'dev2.acme.example' });

    // After the attempts, globex still sees and changes nothing of acme's.
    expect((await globex('GET', `/app-versions/${victim}`)).status).toBe(404);
    expect((await globex('GET', `/endpoints/dev-2/app-versions/${victim}`)).status).toBe(404);
    expect((await globex('DELETE', `/app-versions/${victim}`)).status).toBe(404);
    expect(contentOf(await pull(nc, ecr, 'dev-1', victim))).toEqual({ server: 'acme.example' });
  });

  it("does not show globex the history of acme's devices", async () => {
    await pull(nc, ecr, 'dev-3', victim);
    const mine = await acme('GET', '/statuses?endpointId=dev-3');
    expect(mine.body.totalElements).toBe(1);
    const theirs = await globex('GET', '/statuses?endpointId=dev-3');
    expect(theirs.status).toBe(200);
    expect(theirs.body.totalElements).toBe(0);
    expect((await globex('GET', `/statuses?endpointId=dev-3&appVersionName=${victim}`)).body.content).toEqual([]);
  });

  it('lets two tenants use the same endpoint id under their own versions', async () => {
    const theirs = await globex('PUT', `/endpoints/sq-1/app-versions/${attacker}`, { server: 'globex.example' });
    expect(theirs.status).toBe(200);
    const mine = await acme('PUT', `/endpoints/sq-1/app-versions/${victim}`, { server: 'sq.acme.example' });
    expect(mine.status).toBe(200);
    expect(JSON.parse((await acme('GET', `/endpoints/sq-1/app-versions/${victim}`)).body.config)).toEqual({ server: 'sq.acme.example' });
    expect(JSON.parse((await globex('GET', `/endpoints/sq-1/app-versions/${attacker}`)).body.config)).toEqual({ server: 'globex.example' });
    expect(contentOf(await pull(nc, ecr, 'sq-1', victim))).toEqual({ server: 'sq.acme.example' });
    expect(contentOf(await pull(nc, ecr, 'sq-1', attacker))).toEqual({ server: 'globex.example' });
  });

  it('learns of versions created in tekton from its notices; a version nobody owns takes no writes', async () => {
    expect((await acme('PUT', `/app-versions/${victimApp}-v3`, { server: 'a' })).status).toBe(404);
    expect((await acmeTekton('POST', `/applications/${victimApp}/app-versions`, { nameSuffix: 'v3' })).status).toBe(201);
    await eventually(async () => ((await acme('PUT', `/app-versions/${victimApp}-v3`, { server: 'v3.acme.example' })).status === 200 ? true : undefined), 10_000);
    expect((await globex('PUT', `/app-versions/${victimApp}-v3`, { server: 'evil.example' })).status).toBe(404);
    for (const caller of [acme, globex]) expect((await caller('PUT', `/app-versions/${victimApp}-v9`, { server: 'x' })).status).toBe(404);
  });

  it('neither serves nor lets anyone read rows another tenant wrote before, and reports them at start', async () => {
    const table = (name: string) => `"${ecr.instance}".${name}`;
    await query(
      `INSERT INTO ${table('endpoint_config')} (config_id, tenant_id, endpoint_id, app_version_name, name, config, created_date, updated_date)
       VALUES ('foreign-1', 'globex', 'ghost-1', $1, 'default', '{"server":"evil.example"}', now(), now())`,
      [victim],
    );
    await query(
      `INSERT INTO ${table('default_config')} (config_id, tenant_id, app_version_name, name, config, created_date, updated_date)
       VALUES ('foreign-2', 'globex', $1, 'default', '{"server":"evil.example"}', now(), now())`,
      [`${victimApp}-v2`],
    );
    // A replica starting now counts them.
    const replica = await startEcr({ issuer, instance: ecr.instance, env: tektonEnv(issuer, tekton, credentials.clientId) });
    try {
      await eventually(async () => ((await foreignRows(replica))['endpoint_config/other_tenant'] === 1 ? true : undefined), 10_000);
      expect((await foreignRows(replica))['default_config/other_tenant']).toBe(1);
    } finally {
      await replica.app.close();
    }

    // acme's default, not globex's endpoint row; globex's default is nobody's.
    expect(contentOf(await pull(nc, ecr, 'ghost-1', victim))).toEqual({ server: 'acme.example' });
    expect((await pull(nc, ecr, 'ghost-1', `${victimApp}-v2`)).statusCode).toBe(404);
    expect((await acme('GET', `/endpoints/ghost-1/app-versions/${victim}`)).status).toBe(404);
    expect((await acme('GET', `/app-versions/${victimApp}-v2`)).status).toBe(404);
    expect((await acme('GET', `/app-versions/${victimApp}-v2/configurations`)).body).toEqual([]);
    expect((await globex('GET', `/endpoints/ghost-1/app-versions/${victim}`)).status).toBe(404);
    expect((await globex('GET', `/app-versions/${victimApp}-v2`)).status).toBe(404);
  });

  it('refuses a batch naming more endpoint ids than ECR_BATCH_MAX_ENDPOINTS, storing nothing', async () => {
    const ids = Array.from({ length: 6 }, (_, i) => `limit-${i}`);
    const refused = await acme('PUT', '/endpoints/batch', { configPayload: { server: 'a' }, endpoints: { [victim]: ids } });
    expect(refused.status).toBe(413);
    expect(refused.body.message).toContain('at most 5');
    expect((await acme('GET', `/endpoints/${ids[0]}/app-versions/${victim}`)).status).toBe(404);
    expect((await acme('PUT', '/endpoints/batch', { configPayload: { server: 'a' }, endpoints: { [victim]: ids.slice(0, 5) } })).status).toBe(200);
  });

  it('refuses a configuration larger than ECR_CONFIG_MAX_BYTES with 413, storing nothing', async () => {
    const big = { server: 'x'.repeat(1100) };
    const endpoint = await acme('PUT', `/endpoints/big-1/app-versions/${victim}`, big);
    expect(endpoint.status).toBe(413);
    expect(endpoint.body.message).toContain('ECR_CONFIG_MAX_BYTES');
    expect((await acme('GET', `/endpoints/big-1/app-versions/${victim}`)).status).toBe(404);
    expect((await acme('PUT', `/app-versions/${victim}?name=big`, big)).status).toBe(413);
    expect((await acme('GET', `/app-versions/${victim}?name=big`)).status).toBe(404);
    expect((await acme('PUT', `/endpoints/big-1/app-versions/${victim}`, { server: 'x'.repeat(900) })).status).toBe(200);
  });
});

describe('app version ownership from APP_CONFIG_FILE', () => {
  let issuer: DevIssuer;
  let ecr: RunningEcr;
  let nc: NatsConnection;
  let acme: ReturnType<typeof api>;
  let globex: ReturnType<typeof api>;

  beforeAll(async () => {
    issuer = await DevIssuer.start({ tenants: ['acme', 'globex'] });
    ecr = await startEcr({
      issuer,
      appConfig: { kaa: { applications: { meter: { 'endpoint-configuration': { schema: { type: 'object', required: ['server'] } } } } } },
      owners: { meter: 'acme', lamp: 'globex' },
    });
    acme = api(ecr.base, await issuer.mint('acme', { scope: ALL_SCOPES }));
    globex = api(ecr.base, await issuer.mint('globex', { scope: ALL_SCOPES }));
    nc = await natsConnection();
  });

  afterAll(async () => {
    await nc?.close();
    await ecr?.close();
    await issuer?.close();
  });

  it("answers 404 to another tenant's version and to versions of applications nobody owns", async () => {
    expect((await globex('GET', '/app-versions/meter-v1/schemas')).status).toBe(404);
    expect((await globex('PUT', '/app-versions/meter-v1', { server: 'evil.example' })).status).toBe(404);
    expect((await pull(nc, ecr, 'dev-1', 'meter-v1')).statusCode).toBe(404);
    expect((await acme('PUT', '/app-versions/meter-v1', { server: 'acme.example' })).status).toBe(200);
    expect(contentOf(await pull(nc, ecr, 'dev-1', 'meter-v1'))).toEqual({ server: 'acme.example' });
    expect((await acme('GET', '/app-versions/meter-v1/schemas')).status).toBe(200);
    for (const caller of [acme, globex]) expect((await caller('PUT', '/app-versions/ghost-v1', { a: 1 })).status).toBe(404);
  });

  it('scopes endpoint ids by app version', async () => {
    expect((await globex('PUT', '/endpoints/sq-1/app-versions/lamp-v1', { g: 1 })).status).toBe(200);
    expect((await acme('PUT', '/endpoints/sq-1/app-versions/meter-v1', { server: 'sq' })).status).toBe(200);
    expect(contentOf(await pull(nc, ecr, 'sq-1', 'lamp-v1'))).toEqual({ g: 1 });
    expect(contentOf(await pull(nc, ecr, 'sq-1', 'meter-v1'))).toEqual({ server: 'sq' });
  });
});
