import { randomUUID } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import { cdtp, configRequestCodec, configResponseCodec } from '@kaa/protocols';
import { DevIssuer, TcpProxy, eventually, testDatabaseUrl } from '@kaa/testing';
import { ALL_SCOPES, api, natsConnection, startEcr, type RunningEcr } from './support.js';

/** ECR reaches Postgres through a proxy the test cuts: REST and 6/CDTP both say 503. */
describe('ecr during a Postgres outage', () => {
  let issuer: DevIssuer;
  let proxy: TcpProxy;
  let ecr: RunningEcr;
  let nc: NatsConnection;
  let call: ReturnType<typeof api>;

  beforeAll(async () => {
    issuer = await DevIssuer.start({ tenants: ['acme'] });
    proxy = await TcpProxy.start(testDatabaseUrl());
    ecr = await startEcr({ issuer, owners: { kettle: 'acme' }, env: { DATABASE_URL: proxy.url } });
    call = api(ecr.base, await issuer.mint('acme', { scope: ALL_SCOPES }));
    nc = await natsConnection();
  });

  afterAll(async () => {
    await proxy?.up().catch(() => undefined);
    await nc?.close();
    await ecr?.close();
    await proxy?.down();
    await issuer?.close();
  });

  const ask = async (endpointId: string, configId: string | null = null) => {
    const bytes = configRequestCodec.encode({ correlationId: randomUUID(), timestamp: Date.now(), timeout: 0, appVersionName: 'kettle-v1', endpointId, configId, configName: null });
    const reply = await nc.request(cdtp.request(ecr.instance), bytes, { timeout: 10_000 });
    return configResponseCodec.decode(reply.data);
  };

  it('answers REST with 503 + Retry-After and 6/CDTP with status 503, both naming the database, then recovers', async () => {
    const stored = await call('PUT', '/endpoints/ep-1/app-versions/kettle-v1', { interval: 60 });
    expect(stored.status).toBe(200);
    expect((await ask('ep-1')).statusCode).toBe(200);

    await proxy.down();
    for (const [method, path, body] of [
      ['GET', '/endpoints/ep-1/app-versions/kettle-v1', undefined],
      ['PUT', '/endpoints/ep-2/app-versions/kettle-v1', { interval: 30 }],
      ['GET', '/app-versions/kettle-v1/configurations', undefined],
    ] as const) {
      const answer = await call(method, path, body);
      expect({ method, path, status: answer.status, message: answer.body?.message, retryAfter: answer.headers.get('retry-after') }).toEqual({
        method,
        path,
        status: 503,
        message: 'database unavailable',
        retryAfter: '5',
      });
    }
    for (const endpointId of ['ep-1', 'ep-unknown']) {
      expect(await ask(endpointId)).toMatchObject({ statusCode: 503, reasonPhrase: 'database unavailable' });
    }
    const metrics = await (await fetch(`${ecr.base.replace('/api/v1', '')}/metrics`)).text();
    expect(metrics).toMatch(/^dependency_unavailable_total\{[^}]*dependency="database"[^}]*channel="nats"[^}]*\} [1-9]/m);
    expect(metrics).toMatch(/^dependency_unavailable_total\{[^}]*dependency="database"[^}]*channel="http"[^}]*\} [1-9]/m);

    await proxy.up();
    const back = await eventually(async () => {
      const answer = await ask('ep-1');
      return answer.statusCode === 200 ? answer : undefined;
    }, 15_000, 200);
    expect(back.configId).toBe(stored.body.configId);
    expect((await call('GET', '/endpoints/ep-1/app-versions/kettle-v1')).status).toBe(200);
    // The PUT refused during the outage stored nothing.
    expect((await call('GET', '/endpoints/ep-2/app-versions/kettle-v1')).status).toBe(404);
  }, 60_000);
});
