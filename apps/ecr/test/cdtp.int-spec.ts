import { randomUUID } from 'node:crypto';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { cdtp, elce, tle } from '@kaa/protocols';
import { DevIssuer, eventually, query, uniqueName } from '@kaa/testing';
import { ALL_SCOPES, api, natsConnection, reference, startEcr, type RunningEcr } from './support.js';

const requestType = reference.request();
const responseType = reference.response();
const updatedType = reference.updated();
const appliedType = reference.applied();
const unregisteredType = reference.unregistered();
const tenantUnregisteredType = reference.tenantUnregistered();
// 21/TLE events reach every ECR on the shared NATS: the purged tenant is this suite's alone.
const PURGED_TENANT = uniqueName('globex');

interface Response {
  correlationId: string;
  appVersionName: string;
  endpointId: string;
  configId: string | null;
  contentType: string;
  content: Buffer | null;
  statusCode: number;
  reasonPhrase: string | null;
}

interface Updated {
  appVersionName: string;
  endpointId: string;
  configId: string;
  content: Buffer;
  originatorReplicaId: string | null;
}

describe('ecr over 6/CDTP, 9/ELCE and 21/TLE (reference schemas on the wire)', () => {
  const consumer = uniqueName('cmx');
  let issuer: DevIssuer;
  let ecr: RunningEcr;
  let nc: NatsConnection;
  let call: ReturnType<typeof api>;
  let updates: Subscription;
  const received: Updated[] = [];

  beforeAll(async () => {
    issuer = await DevIssuer.start({ tenants: ['acme', PURGED_TENANT] });
    ecr = await startEcr({
      issuer,
      owners: { kettle: 'acme', lamp: 'acme', fan: 'acme', relay: 'acme', marker: 'acme', globex: PURGED_TENANT },
      env: { CDTP_CONSUMER_INSTANCES: `${consumer},other-cmx` },
    });
    call = api(ecr.base, await issuer.mint('acme', { scope: ALL_SCOPES }));
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
    await issuer?.close();
  });

  async function request(fields: { endpointId: string; appVersionName: string; configId?: string | null; configName?: string | null; timestamp?: number; timeout?: number }) {
    const correlationId = randomUUID();
    const bytes = requestType.toBuffer({ correlationId, timestamp: Date.now(), timeout: 0, configId: null, configName: null, ...fields });
    const reply = await nc.request(cdtp.request(ecr.instance), bytes, { timeout: 5000 });
    const response = responseType.fromBuffer(Buffer.from(reply.data)) as Response;
    expect(response.correlationId).toBe(correlationId);
    return response;
  }

  const statuses = async (endpointId: string, extra = '') => (await call('GET', `/statuses?endpointId=${endpointId}${extra}`)).body;

  function applied(fields: { endpointId: string; appVersionName: string; configId: string; statusCode: number; reasonPhrase: string | null }) {
    nc.publish(
      cdtp.configApplied(consumer),
      appliedType.toBuffer({ correlationId: randomUUID(), timestamp: Date.now(), timeout: 0, originatorReplicaId: 'cmx-1', ...fields }),
    );
  }

  /** Waits for a ConfigUpdated for a fresh marker endpoint: everything enqueued before it has arrived. */
  async function drainUpdates(): Promise<Updated[]> {
    const marker = `marker-${randomUUID()}`;
    await call('PUT', `/endpoints/${marker}/app-versions/marker-v1`, { marker: true });
    await eventually(() => (received.some((u) => u.endpointId === marker) ? true : undefined));
    const batch = received.splice(0, received.length);
    return batch.filter((u) => u.endpointId !== marker);
  }

  it('pulls the current config, then answers "not changed" and records an implicit apply', async () => {
    const stored = await call('PUT', '/endpoints/ep-1/app-versions/kettle-v1', { active: true, pushInterval: 5 });

    const pulled = await request({ endpointId: 'ep-1', appVersionName: 'kettle-v1' });
    expect(pulled).toMatchObject({ statusCode: 200, configId: stored.body.configId, contentType: 'application/json', endpointId: 'ep-1', appVersionName: 'kettle-v1' });
    expect(JSON.parse(pulled.content!.toString('utf8'))).toEqual({ active: true, pushInterval: 5 });

    const dispatched = await statuses('ep-1');
    expect(dispatched.content).toEqual([
      expect.objectContaining({ configId: stored.body.configId, status: 'DISPATCHED', lastDispatchedDate: expect.any(String), lastConfirmedDate: null }),
    ]);

    const notChanged = await request({ endpointId: 'ep-1', appVersionName: 'kettle-v1', configId: stored.body.configId });
    expect(notChanged.statusCode).toBe(200);
    expect(notChanged.configId).toBeNull();
    expect(notChanged.content).toBeNull();

    const confirmed = await statuses('ep-1', `&configId=${stored.body.configId}`);
    expect(confirmed).toMatchObject({ totalElements: 1, totalPages: 1, number: 0, first: true, last: true });
    expect(confirmed.content[0]).toMatchObject({
      status: 'APPLIED',
      confirmationStatusCode: 200,
      confirmationReasonPhrase: 'Implicitly applied',
      lastConfirmedDate: expect.any(String),
      config: JSON.stringify({ active: true, pushInterval: 5 }),
    });
  });

  it('records an implicit apply of a config the endpoint got without pulling it (pushed), and of many pulls at once', async () => {
    const ids = ['ep-pushed-1', 'ep-pushed-2', 'ep-pushed-3'];
    const stored = await Promise.all(ids.map((id) => call('PUT', `/endpoints/${id}/app-versions/kettle-v1`, { pushed: id })));
    const answers = await Promise.all(ids.map((id, i) => request({ endpointId: id, appVersionName: 'kettle-v1', configId: stored[i].body.configId })));
    expect(answers.map((a) => a.reasonPhrase)).toEqual(['Not changed', 'Not changed', 'Not changed']);
    for (const [i, id] of ids.entries()) {
      const page = await statuses(id);
      expect(page.content).toEqual([
        expect.objectContaining({ configId: stored[i].body.configId, status: 'APPLIED', confirmationReasonPhrase: 'Implicitly applied', lastDispatchedDate: null, config: JSON.stringify({ pushed: id }) }),
      ]);
    }
  });

  it('falls back to the default config, and answers 404 when neither exists', async () => {
    const missing = await request({ endpointId: 'ep-2', appVersionName: 'lamp-v1' });
    expect(missing.statusCode).toBe(404);
    expect(missing.reasonPhrase).toEqual(expect.any(String));
    expect(missing.configId).toBeNull();

    const fallback = await call('PUT', '/app-versions/lamp-v1', { brightness: 50 });
    const pulled = await request({ endpointId: 'ep-2', appVersionName: 'lamp-v1' });
    expect(pulled.statusCode).toBe(200);
    expect(pulled.configId).toBe(fallback.body.configId);
    expect((await statuses('ep-2', '&appVersionName=lamp-v1')).content[0]).toMatchObject({ configId: fallback.body.configId, status: 'DISPATCHED' });

    const named = await request({ endpointId: 'ep-2', appVersionName: 'lamp-v1', configName: 'night' });
    expect(named.statusCode).toBe(404);
  });

  it('answers an undecodable request with 400 and drops expired ones', async () => {
    const reply = await nc.request(cdtp.request(ecr.instance), Buffer.from([0xff, 0x01, 0x02]), { timeout: 5000 });
    const response = responseType.fromBuffer(Buffer.from(reply.data)) as Response;
    expect(response.statusCode).toBe(400);
    expect(response.reasonPhrase).toContain('Malformed');

    nc.publish(
      cdtp.request(ecr.instance),
      requestType.toBuffer({ correlationId: 'old', timestamp: Date.now() - 60_000, timeout: 1000, appVersionName: 'kettle-v1', endpointId: 'ep-1', configId: null, configName: null }),
      { reply: `_INBOX.${randomUUID()}` },
    );
    await eventually(async () => {
      const metrics = await (await fetch(`${ecr.base.replace('/api/v1', '')}/metrics`)).text();
      return /nats_messages_total\{[^}]*subject="cdtp.request"[^}]*outcome="expired"[^}]*\} [1-9]/.test(metrics) &&
        /protocol_decode_failures_total\{[^}]*subject="cdtp.request"[^}]*\} [1-9]/.test(metrics)
        ? true
        : undefined;
    });
  });

  it('records ConfigApplied from the configured consumers: 2xx APPLIED, others REJECTED', async () => {
    const stored = await call('PUT', '/endpoints/ep-3/app-versions/kettle-v1', { wifi: 'wpa2' });
    await request({ endpointId: 'ep-3', appVersionName: 'kettle-v1' });

    applied({ endpointId: 'ep-3', appVersionName: 'kettle-v1', configId: stored.body.configId, statusCode: 400, reasonPhrase: 'WPA2 is not supported' });
    const rejected = await eventually(async () => {
      const [entry] = (await statuses('ep-3')).content;
      return entry?.status === 'REJECTED' ? entry : undefined;
    });
    expect(rejected).toMatchObject({ confirmationStatusCode: 400, confirmationReasonPhrase: 'WPA2 is not supported', lastConfirmedDate: expect.any(String) });

    applied({ endpointId: 'ep-3', appVersionName: 'kettle-v1', configId: stored.body.configId, statusCode: 201, reasonPhrase: null });
    const accepted = await eventually(async () => {
      const [entry] = (await statuses('ep-3')).content;
      return entry?.status === 'APPLIED' ? entry : undefined;
    });
    expect(accepted).toMatchObject({ confirmationStatusCode: 201, confirmationReasonPhrase: null });
  });

  it('broadcasts ConfigUpdated through the outbox on an endpoint config change', async () => {
    await drainUpdates();
    const stored = await call('PUT', '/endpoints/ep-4/app-versions/kettle-v1', { n: 1 });
    const batch = await drainUpdates();
    expect(batch).toEqual([
      expect.objectContaining({ endpointId: 'ep-4', appVersionName: 'kettle-v1', configId: stored.body.configId, originatorReplicaId: expect.any(String) }),
    ]);
    expect(JSON.parse(batch[0].content.toString('utf8'))).toEqual({ n: 1 });
  });

  it('fans a default change out to endpoints without own config that received the previous default', async () => {
    await call('PUT', '/app-versions/fan-v1', { level: 1 });
    await request({ endpointId: 'f-1', appVersionName: 'fan-v1' });
    await request({ endpointId: 'f-2', appVersionName: 'fan-v1' });
    await request({ endpointId: 'f-3', appVersionName: 'fan-v1' });
    await call('PUT', '/endpoints/f-3/app-versions/fan-v1', { own: true }); // has its own config now
    await drainUpdates();

    const next = await call('PUT', '/app-versions/fan-v1', { level: 2 });
    const batch = await drainUpdates();
    expect(batch.map((u) => u.endpointId).sort()).toEqual(['f-1', 'f-2']);
    expect(batch.every((u) => u.configId === next.body.configId)).toBe(true);
  });

  it('fans a default change out to an endpoint that got the previous default by broadcast and confirmed it', async () => {
    await call('PUT', '/app-versions/relay-v1', { level: 1 });
    await request({ endpointId: 'r-1', appVersionName: 'relay-v1' });
    await drainUpdates();

    const second = await call('PUT', '/app-versions/relay-v1', { level: 2 });
    expect((await drainUpdates()).map((u) => [u.endpointId, u.configId])).toEqual([['r-1', second.body.configId]]);
    // The consumer applied the broadcast default: its history entry has no dispatch date.
    applied({ endpointId: 'r-1', appVersionName: 'relay-v1', configId: second.body.configId, statusCode: 200, reasonPhrase: null });
    await eventually(async () => {
      const [latest] = (await statuses('r-1', '&appVersionName=relay-v1')).content;
      return latest?.configId === second.body.configId && latest.status === 'APPLIED' ? true : undefined;
    });

    const third = await call('PUT', '/app-versions/relay-v1', { level: 3 });
    const batch = await drainUpdates();
    expect(batch).toEqual([expect.objectContaining({ endpointId: 'r-1', appVersionName: 'relay-v1', configId: third.body.configId })]);
    expect(JSON.parse(batch[0].content.toString('utf8'))).toEqual({ level: 3 });
  });

  it('deletes configs and history on 9/ELCE unregistered, and everything of a tenant on 21/TLE unregistered', async () => {
    await call('PUT', '/endpoints/gone-1/app-versions/kettle-v1', { a: 1 });
    await call('PUT', '/endpoints/gone-1/app-versions/kettle-v1?name=wifi', { a: 2 });
    await call('PUT', '/endpoints/gone-1/app-versions/kettle-v9', { keep: true });
    await request({ endpointId: 'gone-1', appVersionName: 'kettle-v1' });
    const rows = (table: string) => query(`SELECT * FROM "${ecr.instance}".${table} WHERE endpoint_id = 'gone-1' AND app_version_name = 'kettle-v1'`);
    expect(await rows('config_status')).toHaveLength(1);

    nc.publish(
      elce.lifecycle('epr', 'unregistered'),
      unregisteredType.toBuffer({ correlationId: randomUUID(), timestamp: Date.now(), timeout: 0, appVersionName: 'kettle-v1', endpointId: 'gone-1', originatorReplicaId: 'epr-1' }),
    );
    await eventually(async () => ((await rows('endpoint_config')).length === 0 && (await rows('config_status')).length === 0 ? true : undefined));
    expect((await call('GET', '/endpoints/gone-1/app-versions/kettle-v9')).status).toBe(200);

    const globex = api(ecr.base, await issuer.mint(PURGED_TENANT, { scope: ALL_SCOPES }));
    await globex('PUT', '/endpoints/g-1/app-versions/globex-v1', { g: 1 });
    await globex('PUT', '/app-versions/globex-v1', { g: 0 });
    await request({ endpointId: 'g-1', appVersionName: 'globex-v1' });
    nc.publish(
      tle.lifecycle('tenant-manager', 'unregistered'),
      tenantUnregisteredType.toBuffer({ correlationId: randomUUID(), timestamp: Date.now(), timeout: 0, tenantId: PURGED_TENANT, originatorReplicaId: 'tm-1' }),
    );
    const tenantRows = async () =>
      (
        await query(
          `SELECT (SELECT count(*) FROM "${ecr.instance}".endpoint_config WHERE tenant_id = '${PURGED_TENANT}')
                + (SELECT count(*) FROM "${ecr.instance}".default_config WHERE tenant_id = '${PURGED_TENANT}')
                + (SELECT count(*) FROM "${ecr.instance}".config_status WHERE tenant_id = '${PURGED_TENANT}') AS n`,
        )
      )[0].n;
    await eventually(async () => (Number(await tenantRows()) === 0 ? true : undefined));
    expect((await call('GET', '/endpoints/ep-1/app-versions/kettle-v1')).status).toBe(200);
  });
});
