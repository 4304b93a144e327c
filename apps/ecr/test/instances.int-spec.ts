import { randomUUID } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import { cdtp } from '@kaa/protocols';
import { DevIssuer, query, uniqueName } from '@kaa/testing';
import { ALL_SCOPES, api, natsConnection, reference, startEcr, type RunningEcr } from './support.js';

const requestType = reference.request();
const responseType = reference.response();

// Both apps share this process's passport 'jwt' strategy, so TENANTS_ALLOWED is tested in its own suite.
describe('two ecr instances (ecr, ecr-eu) on one Postgres and NATS', () => {
  let issuer: DevIssuer;
  let ecr: RunningEcr;
  let eu: RunningEcr;
  let nc: NatsConnection;

  beforeAll(async () => {
    issuer = await DevIssuer.start({ tenants: ['acme', 'globex'] });
    [ecr, eu] = await Promise.all([
      startEcr({ issuer, instance: uniqueName('ecr'), owners: { kettle: 'acme' } }),
      startEcr({ issuer, instance: uniqueName('ecr-eu'), owners: { kettle: 'globex' } }),
    ]);
    nc = await natsConnection();
  });

  afterAll(async () => {
    await nc?.close();
    await Promise.all([ecr?.close(), eu?.close()]);
    await issuer?.close();
  });

  const ask = async (instance: string, endpointId: string, appVersionName: string) => {
    const bytes = requestType.toBuffer({ correlationId: randomUUID(), timestamp: Date.now(), timeout: 0, appVersionName, endpointId, configId: null, configName: null });
    const reply = await nc.request(cdtp.request(instance), bytes, { timeout: 5000 });
    return responseType.fromBuffer(Buffer.from(reply.data)) as { statusCode: number; configId: string | null };
  };

  it("never answers the other instance's requests nor sees its data", async () => {
    const acmeOnMain = api(ecr.base, await issuer.mint('acme', { scope: ALL_SCOPES }));
    const globexOnEu = api(eu.base, await issuer.mint('globex', { scope: ALL_SCOPES }));
    const main = await acmeOnMain('PUT', '/endpoints/shared-ep/app-versions/kettle-v1', { where: 'main' });
    expect(main.status).toBe(200);
    expect((await ask(ecr.instance, 'shared-ep', 'kettle-v1')).configId).toBe(main.body.configId);
    expect((await ask(eu.instance, 'shared-ep', 'kettle-v1')).statusCode).toBe(404);

    const euConfig = await globexOnEu('PUT', '/endpoints/shared-ep/app-versions/kettle-v1', { where: 'eu' });
    expect(euConfig.status).toBe(200);
    expect((await ask(eu.instance, 'shared-ep', 'kettle-v1')).configId).toBe(euConfig.body.configId);
    expect((await ask(ecr.instance, 'shared-ep', 'kettle-v1')).configId).toBe(main.body.configId);

    // Each instance's rows live in the schema named after it, with its own migrations.
    const stored = async (schema: string) =>
      (await query<{ config_id: string }>(`SELECT config_id FROM "${schema}".endpoint_config WHERE endpoint_id = 'shared-ep'`)).map((r) => r.config_id);
    expect(await stored(ecr.instance)).toEqual([main.body.configId]);
    expect(await stored(eu.instance)).toEqual([euConfig.body.configId]);
    for (const schema of [ecr.instance, eu.instance]) {
      expect((await query(`SELECT 1 FROM "${schema}".migrations`)).length).toBeGreaterThan(0);
    }
  });
});
