import { randomUUID } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import { cdtp, configAppliedCodec } from '@kaa/protocols';
import { DevIssuer, eventually, fuzzHttp, openApiRoutes } from '@kaa/testing';
import { EprStandIn } from './epr-stand-in.js';
import { ALL_SCOPES, api, natsConnection, startEcr, type RunningEcr } from './support.js';

/** No input reaches a 500: what Postgres or the parser cannot take is a 400 naming where. */
describe('ecr input limits', () => {
  const consumer = `inputs-cmx-${randomUUID().slice(0, 8)}`;
  const client = { clientId: `ecr-${randomUUID().slice(0, 8)}`, clientSecret: 'ecr-secret', tenant: 'kaa', scope: 'endpoint:read' };
  let issuer: DevIssuer;
  // With EPR configured, so that the fuzz reaches the filter route's handler (not its 501).
  let epr: EprStandIn;
  let ecr: RunningEcr;
  let origin: string;
  let token: string;
  let call: ReturnType<typeof api>;

  beforeAll(async () => {
    issuer = await DevIssuer.start({ tenants: ['acme', 'kaa'], clients: [client] });
    epr = await EprStandIn.start({ issuer, realm: 'kaa', clientId: client.clientId });
    ecr = await startEcr({
      issuer,
      owners: { kettle: 'acme' },
      env: {
        CDTP_CONSUMER_INSTANCES: consumer,
        EPR_URL: epr.url,
        TOKEN_URL: issuer.tokenUrlFor('kaa'),
        CLIENT_ID: client.clientId,
        CLIENT_SECRET: client.clientSecret,
      },
    });
    origin = ecr.base.replace('/api/v1', '');
    token = await issuer.mint('acme', { scope: ALL_SCOPES });
    call = api(ecr.base, token);
    expect((await call('PUT', '/endpoints/ep-1/app-versions/kettle-v1', { interval: 60 })).status).toBe(200);
  });

  afterAll(async () => {
    await ecr?.close();
    await epr?.close();
    await issuer?.close();
  });

  it('refuses JSON nested deeper than 64 levels with 400', async () => {
    const deep = await call('PUT', '/app-versions/kettle-v1', `${'['.repeat(10_000)}${']'.repeat(10_000)}`);
    expect(deep).toMatchObject({ status: 400, body: { message: 'request body nests deeper than 64 arrays/objects' } });
  });

  it('refuses NUL and unpaired surrogates in identifiers and stored values, naming where', async () => {
    expect((await call('GET', '/endpoints/ep%00/app-versions/kettle-v1')).body).toMatchObject({ statusCode: 400, violations: [{ pointer: '/params/endpointId' }] });
    expect((await call('PUT', '/endpoints/ep-1/app-versions/kettle-v1', '{"interval":"\\u0000"}')).body).toMatchObject({ statusCode: 400, violations: [{ pointer: '/interval' }] });
    expect((await call('PUT', '/app-versions/kettle-v1', '{"nested":[{"\\ud800":1}]}')).body).toMatchObject({ statusCode: 400, violations: [{ pointer: '/nested/0/\ud800' }] });
  });

  it('answers no 5xx to 3,000 fuzzed requests on every route', async () => {
    const result = await fuzzHttp({
      origin,
      routes: await openApiRoutes(origin),
      tokens: [token],
      knownParams: { endpointId: ['ep-1'], appVersionName: ['kettle-v1'] },
      seedBodies: { 'PUT /api/v1/endpoints/batch': { configPayload: { a: 1 }, endpoints: { 'kettle-v1': ['ep-2', 'ep-3'] } } },
      requests: 3000,
    });
    expect({ seed: result.seed, failures: result.failures.slice(0, 10) }).toEqual({ seed: result.seed, failures: [] });
    expect(Object.keys(result.statuses).map(Number)).toEqual(expect.arrayContaining([200, 400, 404]));
    expect((await fetch(`${origin}/health`)).status).toBe(200);
  }, 120_000);

  it('drops a ConfigApplied whose strings Postgres cannot store, with a warning and a count', async () => {
    const nc: NatsConnection = await natsConnection();
    try {
      const rejected = async () => Number(/^input_rejected_total\{[^}]*channel="nats"[^}]*reason="nul"[^}]*\} (\d+)/m.exec(await (await fetch(`${origin}/metrics`)).text())?.[1] ?? 0);
      const before = await rejected();
      const event = { correlationId: randomUUID(), timestamp: Date.now(), timeout: 0, appVersionName: 'kettle-v1', endpointId: 'ep-1', configId: 'c\u0000', originatorReplicaId: null, statusCode: 200, reasonPhrase: null };
      nc.publish(cdtp.configApplied(consumer), configAppliedCodec.encode(event));
      await nc.flush();
      await eventually(async () => ((await rejected()) > before ? true : undefined), 10_000);
    } finally {
      await nc.close();
    }
  });
});
