import { randomUUID } from 'node:crypto';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { eventually, query, testNatsUrl } from '@kaa/testing';
import { tle } from '@kaa/protocols';
import { cleanUp, eventBody, postEvent, referenceType, startWatcher, TENANTS, type Credentials, type Watcher } from './support.js';

const COMPONENT = 'tenancy';
const PATH = `/v2/${COMPONENT}/event`;
const tenantUnregisteredType = referenceType('0021-tenant-unregistered.avsc');
const watcherBody = {
  component: COMPONENT,
  resourceToWatch: { group: 'operator.kyma-project.io', version: '*', resource: 'kymas' },
  field: 'spec',
};

describe('tenants the watcher serves', () => {
  let sut: Watcher;
  let nc: NatsConnection;

  beforeAll(async () => {
    sut = await startWatcher();
    nc = await connect({ servers: testNatsUrl() });
    for (const tenant of [TENANTS.acme, TENANTS.globex]) expect((await sut.api('POST', '/watchers', watcherBody, { tenant })).status).toBe(201);
  });

  afterAll(async () => {
    await nc?.close();
    await sut?.close();
    if (sut) await cleanUp(sut.instance);
  });

  const post = (creds: Credentials, name: string) => postEvent(sut.listenerUrl, PATH, { ca: creds.caBundle, credentials: creds, body: eventBody(name) });

  it('refuses a runtime whose tenant this watcher does not serve (403 unknown_runtime)', async () => {
    const runtime = await sut.register('rt-orphan', 'orphan.example.com');
    // A row left by a tenant that is no longer in the tenant list.
    await query(`UPDATE "${sut.instance}".runtime SET tenant_id = 'initech' WHERE runtime_id = 'rt-orphan'`);
    await query(`INSERT INTO "${sut.instance}".watcher (tenant_id, component, resource_group, resource_version, resource, field) VALUES ('initech', $1, 'operator.kyma-project.io', '*', 'kymas', 'spec')`, [COMPONENT]);
    const res = await post(runtime, 'orphaned');
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('unknown_runtime');
    expect(res.body.message).toMatch(/tenant initech, which this watcher does not serve/);
  });

  it('on 21/TLE TenantUnregistered deletes the tenant\'s watchers and refuses its runtimes from then on', async () => {
    const leaving = await sut.register('rt-leaving', 'leaving.example.com', TENANTS.globex);
    const staying = await sut.register('rt-staying', 'staying.example.com', TENANTS.acme);
    expect((await post(leaving, 'before-unregistration')).status).toBe(200);

    const garbageBefore = await decodeFailures();
    nc.publish(tle.lifecycle('tenant-manager', 'unregistered'), new Uint8Array([0xff, 0x01]));
    nc.publish(
      tle.lifecycle('tenant-manager', 'unregistered'),
      tenantUnregisteredType.toBuffer({ correlationId: randomUUID(), timestamp: Date.now(), timeout: 0, tenantId: TENANTS.globex, originatorReplicaId: 'tm-1' }),
    );
    await eventually(async () => ((await query(`SELECT 1 FROM "${sut.instance}".watcher WHERE tenant_id = $1`, [TENANTS.globex])).length === 0 ? true : undefined));
    await eventually(async () => ((await decodeFailures()) > garbageBefore ? true : undefined));

    const refused = await post(leaving, 'after-unregistration');
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe('revoked');
    const runtimes = await query<{ status: string }>(`SELECT status FROM "${sut.instance}".runtime WHERE runtime_id = 'rt-leaving'`);
    expect(runtimes).toEqual([{ status: 'revoked' }]);
    expect(await query(`SELECT 1 FROM "${sut.instance}".runtime_certificate WHERE runtime_id = 'rt-leaving' AND revoked_at IS NULL`)).toEqual([]);
    // Other tenants are untouched.
    expect((await post(staying, 'other-tenant')).status).toBe(200);
  });

  async function decodeFailures(): Promise<number> {
    const text = await (await fetch(`${sut.baseUrl}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('protocol_decode_failures_total') && l.includes('subject="tle.unregistered"'));
    return line ? Number(line.split(' ').at(-1)) : 0;
  }
});
