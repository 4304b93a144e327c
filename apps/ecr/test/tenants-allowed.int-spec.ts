import { randomUUID } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import { cdtp, tle } from '@kaa/protocols';
import { DevIssuer, eventually, query, uniqueName } from '@kaa/testing';
import { ALL_SCOPES, api, natsConnection, reference, startEcr, type RunningEcr } from './support.js';

const requestType = reference.request();
const responseType = reference.response();
const tenantUnregisteredType = reference.tenantUnregistered();
// 21/TLE reaches every ecr on the shared NATS: tenants no other suite uses.
const ACME = uniqueName('acme');
const GLOBEX = uniqueName('globex');

describe('an ecr instance limited to tenants (TENANTS_ALLOWED)', () => {
  let issuer: DevIssuer;
  let eu: RunningEcr;
  let nc: NatsConnection;

  beforeAll(async () => {
    issuer = await DevIssuer.start({ tenants: [ACME, GLOBEX] });
    eu = await startEcr({ issuer, instance: uniqueName('ecr-eu'), owners: { kettle: GLOBEX, legacy: ACME }, env: { TENANTS_ALLOWED: GLOBEX } });
    nc = await natsConnection();
  });

  afterAll(async () => {
    await nc?.close();
    await eu?.close();
    await issuer?.close();
  });

  const ask = async (endpointId: string, appVersionName: string) => {
    const bytes = requestType.toBuffer({ correlationId: randomUUID(), timestamp: Date.now(), timeout: 0, appVersionName, endpointId, configId: null, configName: null });
    const reply = await nc.request(cdtp.request(eu.instance), bytes, { timeout: 5000 });
    return responseType.fromBuffer(Buffer.from(reply.data)) as { statusCode: number; configId: string | null };
  };

  it('refuses REST calls of other tenants (403) and serves its own', async () => {
    const acme = api(eu.base, await issuer.mint(ACME, { scope: ALL_SCOPES }));
    const globex = api(eu.base, await issuer.mint(GLOBEX, { scope: ALL_SCOPES }));
    expect((await acme('GET', '/endpoints/ep-1/app-versions/kettle-v1')).status).toBe(403);
    expect((await acme('PUT', '/app-versions/kettle-v1', { a: 1 })).status).toBe(403);
    expect((await globex('PUT', '/endpoints/ep-1/app-versions/kettle-v1', { a: 1 })).status).toBe(200);
  });

  it('ignores rows of tenants it does not serve over 6/CDTP and on 21/TLE', async () => {
    // A row left from before the instance was limited.
    await query(
      `INSERT INTO "${eu.instance}".default_config (config_id, tenant_id, app_version_name, name, config, created_date, updated_date)
       VALUES ('legacy-1', $1, 'legacy-v1', 'default', '{}', now(), now())`,
      [ACME],
    );
    expect((await ask('ep-9', 'legacy-v1')).statusCode).toBe(404);

    nc.publish(
      tle.lifecycle('tenant-manager', 'unregistered'),
      tenantUnregisteredType.toBuffer({ correlationId: randomUUID(), timestamp: Date.now(), timeout: 0, tenantId: GLOBEX, originatorReplicaId: 'tm-1' }),
    );
    await eventually(async () => ((await query(`SELECT 1 FROM "${eu.instance}".endpoint_config WHERE tenant_id = $1`, [GLOBEX])).length === 0 ? true : undefined));
    nc.publish(
      tle.lifecycle('tenant-manager', 'unregistered'),
      tenantUnregisteredType.toBuffer({ correlationId: randomUUID(), timestamp: Date.now(), timeout: 0, tenantId: ACME, originatorReplicaId: 'tm-1' }),
    );
    // The acme event arrives first and is ignored without I/O, so once this later globex purge is done, it was handled.
    const globex = api(eu.base, await issuer.mint(GLOBEX, { scope: ALL_SCOPES }));
    await globex('PUT', '/endpoints/ep-2/app-versions/kettle-v1', { a: 1 });
    nc.publish(
      tle.lifecycle('tenant-manager', 'unregistered'),
      tenantUnregisteredType.toBuffer({ correlationId: randomUUID(), timestamp: Date.now(), timeout: 0, tenantId: GLOBEX, originatorReplicaId: 'tm-1' }),
    );
    await eventually(async () => ((await query(`SELECT 1 FROM "${eu.instance}".endpoint_config WHERE tenant_id = $1`, [GLOBEX])).length === 0 ? true : undefined));
    expect(await query(`SELECT config_id FROM "${eu.instance}".default_config WHERE tenant_id = $1`, [ACME])).toEqual([{ config_id: 'legacy-1' }]);
  });
});
